/*
 * Soundsite player.
 *
 * One bar at the bottom of library pages (and share pages) plays a queue of tracks with
 * wavesurfer.js drawn from the stored peaks, so no audio is downloaded to draw a waveform.
 * Library pages change underneath it with htmx (hx-boost swaps the body, the bar is kept by
 * hx-preserve), so it keeps playing while a member browses.
 *
 * Everything is wired by event delegation on the document, so content swapped in by htmx
 * needs no extra setup; the few things that need per-element setup (stem mixers) are set up
 * on "htmx:load" and torn down before a swap removes them.
 */
(function () {
  "use strict";

  if (window.soundsitePlayer) {
    return;
  }

  var SKIP_SECONDS = 5;
  var STORE_KEY = "soundsite:player";
  var LIBRARY_PATHS = ["/library/", "/shares/"];
  var COLORS = {
    wave: "#c3c8dc",
    progress: "#4f46e5",
    cursor: "#312e81",
  };

  function $(selector, root) {
    return (root || document).querySelector(selector);
  }

  function $$(selector, root) {
    return Array.prototype.slice.call((root || document).querySelectorAll(selector));
  }

  function clock(seconds) {
    var total = Math.max(0, Math.floor(seconds || 0));
    var hours = Math.floor(total / 3600);
    var minutes = Math.floor((total % 3600) / 60);
    var secs = total % 60;
    var pad = function (n) {
      return (n < 10 ? "0" : "") + n;
    };
    return hours ? hours + ":" + pad(minutes) + ":" + pad(secs) : minutes + ":" + pad(secs);
  }

  function itemFrom(button) {
    return {
      code: button.dataset.code,
      title: button.dataset.title,
      audio: button.dataset.audio,
      peaks: button.dataset.peaks,
      duration: parseFloat(button.dataset.duration) || 0,
      href: button.dataset.href || "",
    };
  }

  function isTyping(target) {
    return !!(
      target &&
      target.closest &&
      target.closest("input, textarea, select, [contenteditable=''], [contenteditable='true']")
    );
  }

  /* ------------------------------------------------------------------ the bar */

  var player = {
    bar: null,
    ws: null,
    audio: null,
    queue: [],
    index: -1,
    current: null,
    peaks: {},
    lastSaved: 0,

    init: function () {
      this.bar = document.getElementById("player");
      if (!this.bar || typeof window.WaveSurfer === "undefined") {
        return false;
      }
      var self = this;
      this.scope = this.bar.dataset.scope || "library";
      this.audio = $("[data-player-audio]", this.bar);
      this.ws = window.WaveSurfer.create({
        container: $("[data-player-wave]", this.bar),
        media: this.audio,
        height: 36,
        waveColor: COLORS.wave,
        progressColor: COLORS.progress,
        cursorColor: COLORS.cursor,
        cursorWidth: 2,
        barWidth: 2,
        barGap: 1,
        barRadius: 2,
        normalize: true,
        dragToSeek: true,
      });
      this.ws.on("play", function () {
        document.dispatchEvent(new CustomEvent("soundsite:play", { detail: { source: self } }));
        self.render();
      });
      this.ws.on("pause", function () {
        self.render();
        self.save(true);
      });
      this.ws.on("timeupdate", function (time) {
        self.renderTime(time);
        self.save(false);
      });
      this.ws.on("finish", function () {
        self.next(true);
      });
      this.audio.addEventListener("error", function () {
        if (self.current && self.audio.getAttribute("src")) {
          self.showError("This track could not be played. It may have been deleted or the link has ended.");
        }
      });
      $("[data-player-toggle]", this.bar).addEventListener("click", function () {
        self.toggle();
      });
      $("[data-player-prev]", this.bar).addEventListener("click", function () {
        self.previous();
      });
      $("[data-player-next]", this.bar).addEventListener("click", function () {
        self.next(false);
      });
      $("[data-player-close]", this.bar).addEventListener("click", function () {
        self.close();
      });
      this.restore();
      return true;
    },

    fetchPeaks: function (item) {
      if (this.peaks[item.code]) {
        return Promise.resolve(this.peaks[item.code]);
      }
      var self = this;
      if (!item.peaks) {
        return Promise.resolve(null);
      }
      return fetch(item.peaks, { credentials: "same-origin", headers: { Accept: "application/json" } })
        .then(function (response) {
          return response.ok ? response.json() : null;
        })
        .then(function (data) {
          var peaks = data && Array.isArray(data.peaks) && data.peaks.length ? data.peaks : null;
          if (peaks) {
            self.peaks[item.code] = peaks;
          }
          return peaks;
        })
        .catch(function () {
          return null;
        });
    },

    load: function (item, options) {
      options = options || {};
      var self = this;
      this.current = item;
      this.hideError();
      this.bar.hidden = false;
      document.body.classList.add("has-player");
      var title = $("[data-player-title]", this.bar);
      title.textContent = item.title;
      if (item.href) {
        title.setAttribute("href", item.href);
        title.removeAttribute("aria-disabled");
      } else {
        title.removeAttribute("href");
      }
      $("[data-player-duration]", this.bar).textContent = clock(item.duration);
      this.renderTime(options.at || 0);
      this.render();
      return this.fetchPeaks(item).then(function (peaks) {
        if (self.current !== item) {
          return;
        }
        return self.ws.load(item.audio, peaks ? [peaks] : undefined, item.duration || undefined).then(
          function () {
            if (self.current !== item) {
              return;
            }
            if (options.at) {
              self.ws.setTime(options.at);
            }
            if (options.autoplay !== false) {
              return self.play();
            }
            self.render();
          },
        );
      });
    },

    play: function () {
      var self = this;
      var started = this.ws.play();
      if (started && started.catch) {
        started.catch(function (error) {
          if (error && error.name === "NotAllowedError") {
            self.render();
          } else if (error && error.name !== "AbortError") {
            self.showError("This track could not be played.");
          }
        });
      }
      return started;
    },

    pause: function () {
      if (this.ws && this.ws.isPlaying()) {
        this.ws.pause();
      }
    },

    toggle: function () {
      if (!this.current) {
        var first = $("main [data-play]");
        if (first) {
          this.start(first, 0);
        }
        return;
      }
      if (this.ws.isPlaying()) {
        this.ws.pause();
      } else {
        this.play();
      }
    },

    /* Play the track of a [data-play] button, with the buttons around it as the queue. */
    start: function (button, fraction) {
      var buttons = $$("main [data-play]");
      var seen = {};
      this.queue = [];
      var self = this;
      buttons.forEach(function (candidate) {
        if (!seen[candidate.dataset.code]) {
          seen[candidate.dataset.code] = true;
          self.queue.push(itemFrom(candidate));
        }
      });
      var item = itemFrom(button);
      this.index = this.queue.findIndex(function (entry) {
        return entry.code === item.code;
      });
      if (this.index < 0) {
        this.queue = [item];
        this.index = 0;
      }
      if (this.current && this.current.code === item.code) {
        if (fraction !== undefined && fraction !== null) {
          this.ws.seekTo(Math.min(Math.max(fraction, 0), 1));
          if (!this.ws.isPlaying()) {
            this.play();
          }
        } else {
          this.toggle();
        }
        return;
      }
      this.load(this.queue[this.index], { at: fraction ? fraction * item.duration : 0 });
    },

    next: function (finished) {
      if (this.index + 1 < this.queue.length) {
        this.index += 1;
        this.load(this.queue[this.index]);
      } else if (finished) {
        this.render();
      }
    },

    previous: function () {
      if (!this.current) {
        return;
      }
      if (this.ws.getCurrentTime() > 3 || this.index <= 0) {
        this.ws.setTime(0);
        return;
      }
      this.index -= 1;
      this.load(this.queue[this.index]);
    },

    skip: function (seconds) {
      if (this.current) {
        var target = Math.min(Math.max(this.ws.getCurrentTime() + seconds, 0), this.ws.getDuration());
        this.ws.setTime(target);
      }
    },

    close: function () {
      this.pause();
      this.current = null;
      this.queue = [];
      this.index = -1;
      this.bar.hidden = true;
      document.body.classList.remove("has-player");
      try {
        sessionStorage.removeItem(STORE_KEY + ":" + this.scope);
      } catch (error) {
        /* Storage may be unavailable (private mode); the player still works. */
      }
      this.render();
    },

    render: function () {
      var playing = !!(this.ws && this.current && this.ws.isPlaying());
      var code = this.current ? this.current.code : null;
      if (this.bar) {
        this.bar.classList.toggle("is-playing", playing);
        var toggle = $("[data-player-toggle]", this.bar);
        toggle.setAttribute("aria-label", playing ? "Pause" : "Play");
        $("[data-player-prev]", this.bar).disabled = !this.current;
        $("[data-player-next]", this.bar).disabled = !(this.index + 1 < this.queue.length);
      }
      $$("[data-play]").forEach(function (button) {
        var mine = button.dataset.code === code;
        button.classList.toggle("is-current", mine);
        button.classList.toggle("is-playing", mine && playing);
        button.setAttribute("aria-pressed", mine && playing ? "true" : "false");
        button.setAttribute(
          "aria-label",
          (mine && playing ? "Pause " : "Play ") + (button.dataset.title || "track"),
        );
      });
      $$("[data-bigwave]").forEach(function (wave) {
        wave.classList.toggle("is-current", wave.dataset.bigwave === code);
      });
      if (this.ws && this.current) {
        this.renderTime(this.ws.getCurrentTime());
      } else {
        this.renderProgress(null, 0);
      }
    },

    renderTime: function (time) {
      if (!this.bar || !this.current) {
        return;
      }
      var duration = (this.ws && this.ws.getDuration()) || this.current.duration || 0;
      $("[data-player-current]", this.bar).textContent = clock(time);
      var slider = $("[data-player-wave]", this.bar);
      slider.setAttribute("aria-valuemax", String(Math.round(duration)));
      slider.setAttribute("aria-valuenow", String(Math.round(time)));
      slider.setAttribute("aria-valuetext", clock(time) + " of " + clock(duration));
      this.renderProgress(this.current.code, duration ? time / duration : 0, time);
    },

    /* The big waveform on a track page follows the bar when it shows the same track. */
    renderProgress: function (code, fraction, time) {
      $$("[data-bigwave]").forEach(function (wave) {
        var mine = wave.dataset.bigwave === code;
        var percent = mine ? Math.min(Math.max(fraction, 0), 1) * 100 : 0;
        var progress = $(".wave-progress", wave);
        if (progress) {
          progress.style.clipPath = "inset(0 " + (100 - percent) + "% 0 0)";
        }
        var cursor = $(".bigwave-cursor", wave);
        if (cursor) {
          cursor.style.left = percent + "%";
          cursor.hidden = !mine;
        }
        var label = wave.parentElement && $("[data-bigwave-time]", wave.parentElement);
        if (label) {
          label.textContent = clock(mine ? time : 0);
        }
      });
    },

    save: function (force) {
      if (!this.current) {
        return;
      }
      var now = Date.now();
      if (!force && now - this.lastSaved < 1000) {
        return;
      }
      this.lastSaved = now;
      try {
        sessionStorage.setItem(
          STORE_KEY + ":" + this.scope,
          JSON.stringify({
            item: this.current,
            queue: this.queue,
            index: this.index,
            time: this.ws.getCurrentTime(),
          }),
        );
      } catch (error) {
        /* Storage full or unavailable: nothing to restore later, that is all. */
      }
    },

    /* After a full page load, show the last track paused where it was, ready to go on. */
    restore: function () {
      var saved = null;
      try {
        saved = JSON.parse(sessionStorage.getItem(STORE_KEY + ":" + this.scope) || "null");
      } catch (error) {
        saved = null;
      }
      if (!saved || !saved.item || !saved.item.audio) {
        return;
      }
      this.queue = Array.isArray(saved.queue) && saved.queue.length ? saved.queue : [saved.item];
      this.index = typeof saved.index === "number" ? saved.index : 0;
      this.load(saved.item, { autoplay: false, at: saved.time || 0 });
    },

    showError: function (message) {
      var box = $("[data-player-error]", this.bar);
      box.textContent = message;
      box.hidden = false;
      this.render();
    },

    hideError: function () {
      var box = $("[data-player-error]", this.bar);
      if (box) {
        box.hidden = true;
      }
    },
  };

  /* ----------------------------------------------------------- stem mixers */

  function Mixer(root) {
    var self = this;
    this.root = root;
    this.timer = null;
    this.rows = $$("[data-stem]", root).map(function (row) {
      var container = $("[data-stem-wave]", row);
      var peaks = [];
      try {
        peaks = JSON.parse(row.dataset.peaks || "[]");
      } catch (error) {
        peaks = [];
      }
      container.innerHTML = "";
      // Nothing is downloaded until the stems are played: the picture comes from the stored
      // peaks, and four stems preloading on every visit would fetch four whole files.
      var media = document.createElement("audio");
      media.preload = "none";
      var ws = window.WaveSurfer.create({
        container: container,
        media: media,
        url: row.dataset.audio,
        peaks: peaks.length ? [peaks] : undefined,
        duration: parseFloat(row.dataset.duration) || undefined,
        height: 40,
        waveColor: COLORS.wave,
        progressColor: COLORS.progress,
        cursorColor: COLORS.cursor,
        barWidth: 2,
        barGap: 1,
        barRadius: 2,
        normalize: true,
      });
      var entry = { row: row, ws: ws, muted: false, solo: false };
      ws.on("interaction", function (time) {
        self.seek(time);
      });
      $("[data-stem-mute]", row).addEventListener("click", function () {
        entry.muted = !entry.muted;
        self.applyMutes();
      });
      $("[data-stem-solo]", row).addEventListener("click", function () {
        entry.solo = !entry.solo;
        self.applyMutes();
      });
      return entry;
    });
    if (!this.rows.length) {
      return;
    }
    var leader = this.rows[0].ws;
    leader.on("timeupdate", function (time) {
      var label = $("[data-stems-time]", root);
      if (label) {
        label.textContent = clock(time);
      }
    });
    leader.on("finish", function () {
      self.pause();
      self.seek(0);
    });
    this.toggleButton = $("[data-stems-toggle]", root);
    this.toggleButton.addEventListener("click", function () {
      if (self.playing()) {
        self.pause();
      } else {
        self.play();
      }
    });
    this.onOtherPlay = function (event) {
      if (event.detail && event.detail.source !== self) {
        self.pause();
      }
    };
    document.addEventListener("soundsite:play", this.onOtherPlay);
  }

  Mixer.prototype.playing = function () {
    return this.rows.some(function (entry) {
      return entry.ws.isPlaying();
    });
  };

  Mixer.prototype.play = function () {
    var self = this;
    document.dispatchEvent(new CustomEvent("soundsite:play", { detail: { source: this } }));
    var time = this.rows[0].ws.getCurrentTime();
    this.rows.forEach(function (entry) {
      entry.ws.setTime(time);
      var started = entry.ws.play();
      if (started && started.catch) {
        started.catch(function () {});
      }
    });
    clearInterval(this.timer);
    // Several media elements drift apart by a few milliseconds; pull them back to the first.
    this.timer = setInterval(function () {
      self.resync();
    }, 250);
    this.render(true);
  };

  Mixer.prototype.pause = function () {
    clearInterval(this.timer);
    this.timer = null;
    this.rows.forEach(function (entry) {
      entry.ws.pause();
    });
    this.render(false);
  };

  Mixer.prototype.seek = function (time) {
    this.rows.forEach(function (entry) {
      if (Math.abs(entry.ws.getCurrentTime() - time) > 0.01) {
        entry.ws.setTime(time);
      }
    });
  };

  Mixer.prototype.resync = function () {
    var leader = this.rows[0].ws;
    var time = leader.getCurrentTime();
    this.rows.slice(1).forEach(function (entry) {
      if (Math.abs(entry.ws.getCurrentTime() - time) > 0.05) {
        entry.ws.setTime(time);
      }
    });
  };

  Mixer.prototype.applyMutes = function () {
    var anySolo = this.rows.some(function (entry) {
      return entry.solo;
    });
    this.rows.forEach(function (entry) {
      entry.ws.setMuted(entry.muted || (anySolo && !entry.solo));
      $("[data-stem-mute]", entry.row).setAttribute("aria-pressed", entry.muted ? "true" : "false");
      $("[data-stem-solo]", entry.row).setAttribute("aria-pressed", entry.solo ? "true" : "false");
      entry.row.classList.toggle("is-silent", entry.muted || (anySolo && !entry.solo));
    });
  };

  Mixer.prototype.render = function (playing) {
    this.toggleButton.setAttribute("aria-pressed", playing ? "true" : "false");
    this.toggleButton.classList.toggle("is-playing", playing);
    var label = $("[data-stems-label]", this.root);
    if (label) {
      label.textContent = playing ? "Pause" : "Play together";
    }
  };

  Mixer.prototype.destroy = function () {
    this.pause();
    document.removeEventListener("soundsite:play", this.onOtherPlay);
    this.rows.forEach(function (entry) {
      entry.ws.destroy();
    });
  };

  var mixers = [];

  function setUpMixers(root) {
    if (typeof window.WaveSurfer === "undefined") {
      return;
    }
    var found = $$("[data-stems]", root);
    if (root.matches && root.matches("[data-stems]")) {
      found.unshift(root);
    }
    found.forEach(function (element) {
      if (element.soundsiteMixer) {
        return;
      }
      element.soundsiteMixer = new Mixer(element);
      mixers.push(element.soundsiteMixer);
    });
  }

  function tearDownMixers() {
    mixers.forEach(function (mixer) {
      mixer.destroy();
      mixer.root.soundsiteMixer = null;
    });
    mixers = [];
  }

  /* ------------------------------------------------------ page enhancements */

  /* Top bar links to library pages navigate like library links do, so the bar keeps playing. */
  function boostLibraryNav() {
    if (!window.htmx || !document.getElementById("player")) {
      return;
    }
    $$(".topbar .mainnav a").forEach(function (link) {
      var path = new URL(link.href, location.href).pathname;
      var isLibrary = LIBRARY_PATHS.some(function (prefix) {
        return path.indexOf(prefix) === 0;
      });
      if (isLibrary && link.getAttribute("hx-boost") !== "true") {
        link.setAttribute("hx-boost", "true");
        window.htmx.process(link);
      }
    });
  }

  function updateSelection(form) {
    var boxes = $$("input.select-box");
    var chosen = boxes.filter(function (box) {
      return box.checked;
    }).length;
    var label = $("[data-selected-count]", form);
    if (label) {
      label.textContent = chosen ? chosen + " selected" : "Select";
    }
    form.classList.toggle("has-selection", chosen > 0);
    var all = $("[data-select-all]", form);
    if (all) {
      all.checked = chosen > 0 && chosen === boxes.length;
      all.indeterminate = chosen > 0 && chosen < boxes.length;
    }
  }

  function enhance(root) {
    boostLibraryNav();
    setUpMixers(root);
    $$("[data-bulk]", root).forEach(updateSelection);
    player.render();
  }

  document.addEventListener("click", function (event) {
    var target = event.target;
    var play = target.closest && target.closest("[data-play]");
    if (play) {
      event.preventDefault();
      player.start(play);
      return;
    }
    var seekable = target.closest && target.closest("[data-wave-seek], [data-bigwave]");
    if (seekable && player.bar) {
      var code = seekable.dataset.waveSeek || seekable.dataset.bigwave;
      var button = $('[data-play][data-code="' + code + '"]');
      if (button) {
        var box = seekable.getBoundingClientRect();
        player.start(button, box.width ? (event.clientX - box.left) / box.width : 0);
      }
      return;
    }
    var copy = target.closest && target.closest("[data-copy]");
    if (copy) {
      var field = document.getElementById(copy.dataset.copy);
      if (field) {
        field.select();
        var done = function () {
          copy.textContent = "Copied";
          setTimeout(function () {
            copy.textContent = "Copy";
          }, 2000);
        };
        if (navigator.clipboard && window.isSecureContext) {
          navigator.clipboard.writeText(field.value).then(done, function () {});
        } else if (document.execCommand("copy")) {
          done();
        }
      }
      return;
    }
    if (target.closest && target.closest("[data-print]")) {
      window.print();
    }
  });

  document.addEventListener("change", function (event) {
    var target = event.target;
    if (target.matches("[data-select-all]")) {
      $$("input.select-box").forEach(function (box) {
        box.checked = target.checked;
      });
    }
    if (target.matches("[data-select-all], input.select-box")) {
      $$("[data-bulk]").forEach(updateSelection);
    }
    if (target.matches("[data-collection-select]")) {
      var name = $("[data-new-collection]", target.form || target.parentElement);
      if (name) {
        name.hidden = target.value !== "new";
        if (!name.hidden) {
          name.focus();
        }
      }
    }
  });

  /* A download button in a boosted form: let the browser download instead of swapping a ZIP. */
  document.addEventListener("htmx:confirm", function (event) {
    var trigger = event.detail && event.detail.triggeringEvent;
    var submitter = trigger && trigger.submitter;
    if (!submitter || !submitter.hasAttribute("data-download")) {
      return;
    }
    event.preventDefault();
    var params = new URLSearchParams();
    new FormData(event.detail.elt).forEach(function (value, key) {
      if (key === "tracks") {
        params.append(key, value);
      }
    });
    if (!params.has("tracks")) {
      window.alert("Tick at least one track to export.");
      return;
    }
    window.location.assign(submitter.formAction + "?" + params.toString());
  });

  document.addEventListener("keydown", function (event) {
    if (event.defaultPrevented || event.altKey || event.ctrlKey || event.metaKey) {
      return;
    }
    if (!player.bar || !player.current || isTyping(event.target)) {
      return;
    }
    var inPlayer = event.target.closest && event.target.closest("#player");
    if (event.key === " " || event.code === "Space") {
      // Space on another button or link presses that control, as everywhere else.
      if (!inPlayer && event.target.closest && event.target.closest("button, a, summary, [role='button']")) {
        return;
      }
      event.preventDefault();
      player.toggle();
    } else if (event.key === "ArrowLeft" || event.key === "ArrowRight") {
      if (!inPlayer && event.target.closest && event.target.closest("[role='slider'], details[open] summary")) {
        return;
      }
      event.preventDefault();
      player.skip(event.key === "ArrowLeft" ? -SKIP_SECONDS : SKIP_SECONDS);
    }
  });

  /* A boosted page that answers with an error (a deleted track, a lost session): show that
     page properly instead of silently staying put. */
  document.addEventListener("htmx:beforeSwap", function (event) {
    var detail = event.detail || {};
    if (detail.boosted && detail.xhr && detail.xhr.status >= 400) {
      if (detail.requestConfig && detail.requestConfig.verb === "get") {
        event.preventDefault();
        window.location.assign(detail.pathInfo.requestPath);
      } else {
        detail.shouldSwap = true;
        detail.isError = false;
      }
    }
  });

  document.addEventListener("htmx:beforeSwap", function (event) {
    var target = event.detail && event.detail.target;
    mixers.slice().forEach(function (mixer) {
      if (target && (target === document.body || target.contains(mixer.root))) {
        mixer.destroy();
        mixer.root.soundsiteMixer = null;
        mixers.splice(mixers.indexOf(mixer), 1);
      }
    });
  });

  document.addEventListener("htmx:load", function (event) {
    enhance(event.detail && event.detail.elt ? event.detail.elt : document);
  });

  document.addEventListener("htmx:historyRestore", function () {
    tearDownMixers();
    enhance(document);
  });

  function start() {
    player.init();
    enhance(document);
  }

  window.soundsitePlayer = player;
  document.documentElement.classList.add("has-js");
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
