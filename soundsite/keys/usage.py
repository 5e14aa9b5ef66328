"""The usage report: jobs, results and estimated spend, by month, provider, member and key.

Owners and admins see the whole workspace; everyone else sees their own jobs (a viewer makes
none, so they see an empty report). Spend is the sum of the estimates recorded on the jobs
that reached a provider: what the provider really bills may differ.
"""

from __future__ import annotations

import calendar
import csv
import re
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal

from django import forms
from django.apps import apps
from django.db.models import Count, Q, Sum
from django.db.models.functions import Coalesce, TruncDay, TruncMonth
from django.http import StreamingHttpResponse
from django.utils import timezone

from soundsite.accounts.models import Membership
from soundsite.keys.models import ProviderChoice, ProviderKey
from soundsite.keys.plans import LICENSES, format_usd

MONTH = re.compile(r"^(\d{4})-(\d{2})$")
CHART_MONTHS = 12
ZERO = Decimal("0")


def _job_model():
    return apps.get_model("studio", "Job")


class UsageFilterForm(forms.Form):
    member = forms.ChoiceField(required=False, label="Member")
    key = forms.ChoiceField(required=False, label="Key")
    provider = forms.ChoiceField(required=False, label="Provider")
    month = forms.CharField(
        required=False,
        label="Month",
        widget=forms.DateInput(attrs={"type": "month", "placeholder": "YYYY-MM"}),
    )

    def __init__(self, data, *, membership, keys, members):
        super().__init__(data)
        self.fields["member"].choices = [("", "Everyone")] + [
            (str(m.user_id), m.user.name) for m in members
        ]
        self.fields["key"].choices = [("", "All keys")] + [
            (str(k.code), _key_name(k)) for k in keys
        ]
        self.fields["provider"].choices = [("", "Both providers")] + list(ProviderChoice.choices)
        for name in ("member", "key", "provider"):
            self.fields[name].error_messages["invalid_choice"] = (
                f"Choose one of the listed {self.fields[name].label.lower()}s."
            )
        if not membership.can_manage:
            del self.fields["member"]

    def clean_month(self):
        value = (self.cleaned_data.get("month") or "").strip()
        if not value:
            return None
        match = MONTH.match(value)
        if not match or not 1 <= int(match.group(2)) <= 12 or int(match.group(1)) < 2000:
            raise forms.ValidationError("Enter a month as YYYY-MM, e.g. 2026-03.")
        return date(int(match.group(1)), int(match.group(2)), 1)


def _key_name(key: ProviderKey) -> str:
    name = f"{key.label} (…{key.secret_last4})"
    if key.is_sandbox:
        name += " · Sandbox"
    if key.deleted_at:
        name += " · deleted"
    return name


@dataclass
class Row:
    label: str
    jobs: int
    results: int
    spend: Decimal
    unpriced: int
    extra: str = ""
    share: float = 0  # bar length, 0–100, against the largest row of its table

    @property
    def spend_label(self) -> str:
        if not self.spend and self.unpriced:
            return "—"  # only jobs without a published price (e.g. Soundpiece)
        return format_usd(self.spend)


@dataclass
class Bar:
    label: str
    title: str
    value: Decimal
    jobs: int
    x: float = 0
    y: float = 0
    width: float = 0
    height: float = 0
    cx: float = 0


@dataclass
class Chart:
    title: str
    metric: str  # "spend" or "jobs"
    bars: list[Bar]
    width: int = 720
    height: int = 240
    top: int = 16
    bottom: int = 40
    left: int = 56
    ticks: list[dict] = field(default_factory=list)

    @property
    def plot_bottom(self) -> int:
        return self.height - self.bottom

    @property
    def empty(self) -> bool:
        return not any(bar.value for bar in self.bars)


@dataclass
class Report:
    form: UsageFilterForm
    sees_everyone: bool
    invalid: bool = False
    jobs: object = None
    totals: Row | None = None
    by_month: list[Row] = field(default_factory=list)
    by_provider: list[Row] = field(default_factory=list)
    by_member: list[Row] = field(default_factory=list)
    by_key: list[Row] = field(default_factory=list)
    chart: Chart | None = None
    month: date | None = None

    @property
    def query_string(self) -> str:
        from urllib.parse import urlencode

        if not self.form.is_bound or self.invalid:
            return ""
        values = {k: v for k, v in self.form.data.items() if k in self.form.fields and v}
        return urlencode(values)


def _keys_for(membership, jobs):
    """The keys offered in the key filter: those seen on the keys page, plus used ones."""
    workspace_keys = ProviderKey.objects.filter(workspace=membership.workspace)
    if membership.can_manage:
        return list(workspace_keys.order_by("provider", "label"))
    used = jobs.exclude(key=None).values("key_id")
    return list(
        workspace_keys.filter(
            Q(owner=membership.user) | Q(shared=True, deleted_at=None) | Q(pk__in=used)
        ).order_by("provider", "label")
    )


def _aggregate(queryset, *group):
    reached = ~Q(state__in=("failed", "canceled"), submit_attempts=0)
    rows = queryset.values(*group) if group else queryset
    metrics = {
        "n_jobs": Count("id"),
        "n_results": Coalesce(Sum("result_count"), 0),
        "spend": Coalesce(Sum("estimated_cost", filter=reached), ZERO),
        "unpriced": Count("id", filter=reached & Q(estimated_cost=None)),
    }
    if group:
        return list(rows.annotate(**metrics).order_by(*group))
    return rows.aggregate(**metrics)


def _row(label, data, extra="") -> Row:
    return Row(
        label=label,
        jobs=data["n_jobs"],
        results=data["n_results"],
        spend=Decimal(data["spend"] or 0),
        unpriced=data["unpriced"],
        extra=extra,
    )


def build_report(membership: Membership, params, *, tables: bool = True) -> Report:
    jobs = _job_model().objects.filter(workspace=membership.workspace)
    if not membership.can_manage:
        jobs = jobs.filter(created_by=membership.user)
    members = list(Membership.objects.filter(workspace=membership.workspace).select_related("user"))
    keys = _keys_for(membership, jobs)
    form = UsageFilterForm(params, membership=membership, keys=keys, members=members)
    report = Report(form=form, sees_everyone=membership.can_manage)
    if not form.is_valid():
        report.invalid = True
        return report
    data = form.cleaned_data
    if data.get("member"):
        jobs = jobs.filter(created_by_id=int(data["member"]))
    if data.get("key"):
        jobs = jobs.filter(key__code=data["key"])
    if data.get("provider"):
        jobs = jobs.filter(provider=data["provider"])
    month = data.get("month")
    if month:
        jobs = jobs.filter(created_at__gte=_month_start(month), created_at__lt=_next_month(month))
    report.month = month
    report.jobs = jobs
    if not tables:
        return report

    report.totals = _row("Total", _aggregate(jobs))
    months = _aggregate(jobs.annotate(period=TruncMonth("created_at")), "period")
    report.by_month = [
        _row(row["period"].strftime("%B %Y"), row) for row in reversed(months) if row["period"]
    ]
    providers = dict(ProviderChoice.choices)
    report.by_provider = _ranked(
        _row(providers.get(row["provider"], row["provider"]), row)
        for row in _aggregate(jobs, "provider")
    )
    people = {m.user_id: m.user for m in members}
    report.by_member = _ranked(
        _row(people[row["created_by"]].name, row, extra=people[row["created_by"]].email)
        if row["created_by"] in people
        else _row("Former member", row)
        for row in _aggregate(jobs, "created_by")
    )
    key_names = {k.pk: _key_name(k) for k in keys}
    report.by_key = _ranked(
        _row(key_names.get(row["key"], "No key"), row) for row in _aggregate(jobs, "key")
    )
    report.chart = _chart(jobs, month, monthly=months)
    return report


def _ranked(rows) -> list[Row]:
    """The biggest spenders first, then the busiest."""
    return _with_shares(sorted(rows, key=lambda r: (-r.spend, -r.jobs, r.label)))


def _with_shares(rows: list[Row]) -> list[Row]:
    """Give each row its bar: by estimated spend, or by jobs when nothing has a price."""
    by_spend = any(row.spend for row in rows)
    values = [float(row.spend) if by_spend else row.jobs for row in rows]
    top = max(values, default=0)
    for row, value in zip(rows, values, strict=True):
        row.share = round(100 * value / top, 1) if top else 0
    return rows


def _month_start(month: date) -> datetime:
    return timezone.make_aware(datetime(month.year, month.month, 1))


def _next_month(month: date) -> datetime:
    year, number = (month.year + 1, 1) if month.month == 12 else (month.year, month.month + 1)
    return timezone.make_aware(datetime(year, number, 1))


def _chart(jobs, month: date | None, monthly=None) -> Chart:
    """Estimated spend per month (the last 12), or per day when one month is chosen."""
    if month:
        rows = _aggregate(jobs.annotate(period=TruncDay("created_at")), "period")
        found = {row["period"].date(): row for row in rows if row["period"]}
        days = calendar.monthrange(month.year, month.month)[1]
        periods = [date(month.year, month.month, d) for d in range(1, days + 1)]
        labels = [(str(p.day), f"{p.day} {p:%B %Y}") for p in periods]
        title = f"Estimated spend per day, {month.strftime('%B %Y')}"
    else:
        rows = monthly
        if rows is None:
            rows = _aggregate(jobs.annotate(period=TruncMonth("created_at")), "period")
        found = {row["period"].date(): row for row in rows if row["period"]}
        today = timezone.localdate()
        periods = []
        year, number = today.year, today.month
        for _ in range(CHART_MONTHS):
            periods.append(date(year, number, 1))
            year, number = (year - 1, 12) if number == 1 else (year, number - 1)
        periods.reverse()
        labels = [(p.strftime("%b"), p.strftime("%B %Y")) for p in periods]
        title = "Estimated spend per month, last 12 months"
    metric = "spend"
    values = [Decimal(found[p]["spend"]) if p in found else ZERO for p in periods]
    counts = [found[p]["n_jobs"] if p in found else 0 for p in periods]
    if not any(values) and any(counts):
        # Only unpriced jobs (Soundpiece publishes no prices): chart the number of jobs.
        metric = "jobs"
        values = [Decimal(c) for c in counts]
        title = title.replace("Estimated spend", "Jobs")
    bars = [
        Bar(label=short, title=long, value=value, jobs=count)
        for (short, long), value, count in zip(labels, values, counts, strict=True)
    ]
    chart = Chart(title=title, metric=metric, bars=bars)
    _lay_out(chart)
    return chart


def _nice_ceiling(value: Decimal) -> Decimal:
    """A round number at or above ``value`` for the top of the axis (1, 2, 2.5, 5 × 10ⁿ)."""
    if value <= 0:
        return Decimal(1)
    exponent = value.adjusted()
    base = Decimal(10) ** exponent
    for step in (1, 2, Decimal("2.5"), 5, 10):
        if value <= base * step:
            return base * step
    return base * 10


def _lay_out(chart: Chart) -> None:
    top = _nice_ceiling(max((bar.value for bar in chart.bars), default=ZERO))
    plot_width = chart.width - chart.left - 8
    plot_height = chart.plot_bottom - chart.top
    slot = plot_width / max(1, len(chart.bars))
    for index, bar in enumerate(chart.bars):
        bar.width = round(slot * 0.7, 2)
        bar.x = round(chart.left + index * slot + slot * 0.15, 2)
        bar.height = round(float(bar.value / top) * plot_height, 2) if top else 0
        bar.y = round(chart.plot_bottom - bar.height, 2)
        bar.cx = round(bar.x + bar.width / 2, 2)
    for fraction in (0, Decimal("0.5"), 1):
        value = top * fraction
        label = format_usd(value) if chart.metric == "spend" else f"{value.normalize():f}"
        chart.ticks.append(
            {"y": round(chart.plot_bottom - float(fraction) * plot_height, 2), "label": label}
        )


# --- CSV ------------------------------------------------------------------------------------
CSV_HEADER = [
    "Date",
    "Member",
    "E-mail",
    "Provider",
    "Key",
    "Sandbox",
    "Task",
    "Operation",
    "Version",
    "State",
    "Results",
    "License",
    "Estimated cost (USD)",
]


def _cell(value) -> str:
    """Text safe to open in a spreadsheet: a leading = + - @ would make it a formula."""
    text = "" if value is None else str(value)
    if text[:1] in ("=", "+", "-", "@", "\t", "\r"):
        text = "'" + text
    return text


class _Echo:
    def write(self, value):
        return value


def csv_rows(report: Report):
    writer = csv.writer(_Echo())
    yield writer.writerow(CSV_HEADER)
    jobs = report.jobs.select_related("created_by", "key").order_by("created_at")
    for job in jobs.iterator(chunk_size=500):
        key = job.key
        license_id = (job.license_snapshot or {}).get("license", "")
        license_label = LICENSES[license_id].label if license_id in LICENSES else license_id
        yield writer.writerow(
            [
                _cell(timezone.localtime(job.created_at).strftime("%Y-%m-%d %H:%M")),
                _cell(job.created_by.name if job.created_by else "Former member"),
                _cell(job.created_by.email if job.created_by else ""),
                _cell(job.provider),
                _cell(_key_name(key) if key else ""),
                "yes" if key and key.is_sandbox else "no",
                _cell(job.task),
                _cell(job.operation),
                _cell(job.version),
                _cell(job.state),
                job.result_count,
                _cell(license_label),
                "" if job.estimated_cost is None else f"{job.estimated_cost:f}",
            ]
        )


def csv_response(report: Report) -> StreamingHttpResponse:
    stamp = timezone.localdate().isoformat()
    name = f"soundsite-usage-{report.month:%Y-%m}" if report.month else f"soundsite-usage-{stamp}"
    response = StreamingHttpResponse(csv_rows(report), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{name}.csv"'
    return response
