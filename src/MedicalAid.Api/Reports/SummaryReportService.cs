using System.Security.Claims;
using MedicalAid.Api.Infrastructure;
using MedicalAid.Api.Settlements;
using MedicalAid.Api.Staff;
using MedicalAid.Contracts.Admin;
using MedicalAid.Engine;
using Microsoft.EntityFrameworkCore;

namespace MedicalAid.Api.Reports;

/// <summary>
/// The summary report (汇总报表) over service dates. Whole months are read from the rollups that each settlement and
/// reversal keeps (<see cref="ReportRollups"/>), so a year is a few thousand rows rather than every settlement; the
/// partial months at either end are added up from their settlements. The groups by month, hospital and category are
/// folded here into the totals by each dimension. Distinct persons do not add up across groups: for whole months of
/// one year they are counted from the per-person rollup, for any other range from the settlements themselves.
/// A caller whose unit does not cover every unit gets the same report cut to the people of its subtree: the rollups
/// have no unit, so every month is then added up from that subtree's settlements, inside the query.
/// </summary>
public sealed class SummaryReportService(MedicalAidDbContext db, DataScopes scopes)
{
    /// <summary>The longest range one report may cover.</summary>
    public const int MaxRangeDays = 3 * 366;

    public static Dictionary<string, string[]> Problems(DateOnly? from, DateOnly? to)
    {
        var errors = new Dictionary<string, string[]>(StringComparer.Ordinal);
        if (from is null)
        {
            errors["from"] = ["Required: the first service date (yyyy-MM-dd)."];
        }

        if (to is null)
        {
            errors["to"] = ["Required: the last service date (yyyy-MM-dd), inclusive."];
        }

        if (from is { } start && to is { } end)
        {
            if (end < start)
            {
                errors["to"] = ["Must not be before from."];
            }
            else if (end.DayNumber - start.DayNumber >= MaxRangeDays)
            {
                errors["to"] = [$"A report covers at most {MaxRangeDays} days."];
            }
        }

        return errors;
    }

    public async Task<SummaryReport> BuildAsync(DateOnly from, DateOnly to, ClaimsPrincipal user, CancellationToken cancellationToken) =>
        await BuildAsync(from, to, await scopes.ForAsync(user, cancellationToken), cancellationToken);

    public async Task<SummaryReport> BuildAsync(DateOnly from, DateOnly to, DataScope scope, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(scope);
        var groups = new List<GroupRow>();
        Persons persons;
        if (scope.CoversAll)
        {
            var range = ReportRange.Of(from, to);
            if (range.WholeMonths is { } wholeMonths)
            {
                groups.AddRange(await MonthlyTotalsAsync(wholeMonths, cancellationToken));
            }

            foreach (var (start, end) in range.PartialMonths)
            {
                groups.AddRange(await SettlementTotalsAsync(start, end, DataScope.Everything, cancellationToken));
            }

            persons = range.IsWholeMonthsOfOneYear
                ? await PersonsFromRollupsAsync(from.Year, range.WholeMonths!.Value.Mask, cancellationToken)
                : await PersonsFromSettlementsAsync(from, to, DataScope.Everything, cancellationToken);
        }
        else
        {
            foreach (var (start, end) in ReportRange.Months(from, to))
            {
                groups.AddRange(await SettlementTotalsAsync(start, end, scope, cancellationToken));
            }

            persons = await PersonsFromSettlementsAsync(from, to, scope, cancellationToken);
        }

        var total = Totals.None;
        var reversedCount = 0L;
        var byHospital = new SortedDictionary<string, Totals>(StringComparer.Ordinal);
        var byCategory = new SortedDictionary<string, Totals>(StringComparer.Ordinal);
        var byMonth = new SortedDictionary<string, Totals>(StringComparer.Ordinal);
        foreach (var group in groups)
        {
            reversedCount += group.ReversedCount;
            if (group.Count == 0)
            {
                continue;
            }

            var totals = group.ToTotals();
            total += totals;
            Add(byHospital, group.HospitalCode, totals);
            Add(byCategory, group.CategoryCode, totals);
            Add(byMonth, MonthKey(group.Year, group.Month), totals);
        }

        return new SummaryReport
        {
            From = from,
            To = to,
            SettlementCount = total.Count,
            ReversedCount = reversedCount,
            PersonCount = persons.Total,
            FundsSettled = total.Channels.Sum.ToYuan(),
            ByChannel = ToWire(total.Channels),
            ByHospital = ToGroups(byHospital, persons.ByHospital),
            ByCategory = ToGroups(byCategory, persons.ByCategory),
            ByMonth = ToGroups(byMonth, persons.ByMonth),
        };
    }

    /// <summary>Whole months come from the monthly totals kept by every settlement and reversal.</summary>
    // Raw SQL over the plain bigint columns: EF Core would read a SUM of a Money column back through its converter.
    private Task<List<GroupRow>> MonthlyTotalsAsync(MonthSpan months, CancellationToken cancellationToken) =>
        db.Database.SqlQuery<GroupRow>($"""
            SELECT "Year", "Month", "HospitalCode", "CategoryCode",
                   CAST(SUM("SettlementCount") AS BIGINT) AS "Count",
                   CAST(SUM("ReversedCount") AS BIGINT) AS "ReversedCount",
                   CAST(SUM("InsuranceSubsidy") AS BIGINT) AS "InsuranceSubsidy",
                   CAST(SUM("Outpatient") AS BIGINT) AS "Outpatient",
                   CAST(SUM("Inpatient") AS BIGINT) AS "Inpatient",
                   CAST(SUM("Temporary") AS BIGINT) AS "Temporary",
                   CAST(SUM("Charity") AS BIGINT) AS "Charity"
            FROM "MonthlySettlementTotals"
            WHERE "Year" * 100 + "Month" BETWEEN {(months.First.Year * 100) + months.First.Month} AND {(months.Last.Year * 100) + months.Last.Month}
            GROUP BY "Year", "Month", "HospitalCode", "CategoryCode"
            """).ToListAsync(cancellationToken);

    /// <summary>
    /// Part of one month (or, for a scope, a whole one), added up from its settlements; for a unit's scope only the
    /// settlements of people whose unit lies in its subtree (a prefix of the unit path, compared in the database).
    /// </summary>
    private Task<List<GroupRow>> SettlementTotalsAsync(DateOnly start, DateOnly end, DataScope scope, CancellationToken cancellationToken)
    {
        var sql = $$"""
            SELECT {0} AS "Year", {1} AS "Month", "HospitalCode", "CategoryCode",
                   CAST(SUM(CASE WHEN "Status" = 'Settled' THEN 1 ELSE 0 END) AS BIGINT) AS "Count",
                   CAST(SUM(CASE WHEN "Status" = 'Reversed' THEN 1 ELSE 0 END) AS BIGINT) AS "ReversedCount",
                   {{ChannelSums}}
            FROM "Settlements"
            WHERE "ServiceDate" >= {2} AND "ServiceDate" <= {3} {{InScope(scope, 4)}}
            GROUP BY "HospitalCode", "CategoryCode"
            """;
        // Only the fixed fragments above are spliced in; every value is a parameter.
#pragma warning disable EF1002
        return db.Database.SqlQueryRaw<GroupRow>(sql, [start.Year, start.Month, start, end, .. ScopeParameters(scope)]).ToListAsync(cancellationToken);
#pragma warning restore EF1002
    }

    /// <summary>
    /// What the funds paid per service day, by channel, reversals netted out, inside the caller's scope: the daily
    /// chart of the console's dashboard. It reads the days through the (service date, status) index, never the whole table.
    /// </summary>
    public async Task<IReadOnlyList<(DateOnly Day, ChannelAmounts Paid)>> DailyAsync(DateOnly from, DateOnly to, ClaimsPrincipal user, CancellationToken cancellationToken)
    {
        var scope = await scopes.ForAsync(user, cancellationToken);
        var sql = $$"""
            SELECT "ServiceDate" AS "Day", 0 AS "Year", 0 AS "Month", '' AS "HospitalCode", '' AS "CategoryCode",
                   CAST(SUM(CASE WHEN "Status" = 'Settled' THEN 1 ELSE 0 END) AS BIGINT) AS "Count",
                   CAST(SUM(CASE WHEN "Status" = 'Reversed' THEN 1 ELSE 0 END) AS BIGINT) AS "ReversedCount",
                   {{ChannelSums}}
            FROM "Settlements"
            WHERE "ServiceDate" >= {0} AND "ServiceDate" <= {1} {{InScope(scope, 2)}}
            GROUP BY "ServiceDate"
            """;
#pragma warning disable EF1002
        var rows = await db.Database.SqlQueryRaw<DayRow>(sql, [from, to, .. ScopeParameters(scope)]).ToListAsync(cancellationToken);
#pragma warning restore EF1002
        var byDay = rows.ToDictionary(row => row.Day, row => row.ToTotals().Channels);
        return Enumerable.Range(0, to.DayNumber - from.DayNumber + 1)
            .Select(offset => from.AddDays(offset))
            .Select(day => (day, byDay.GetValueOrDefault(day, ChannelAmounts.Zero)))
            .ToArray();
    }

    private const string ChannelSums = """
        CAST(SUM(CASE WHEN "Status" = 'Settled' THEN "InsuranceSubsidy" ELSE 0 END) AS BIGINT) AS "InsuranceSubsidy",
                   CAST(SUM(CASE WHEN "Status" = 'Settled' THEN "Outpatient" ELSE 0 END) AS BIGINT) AS "Outpatient",
                   CAST(SUM(CASE WHEN "Status" = 'Settled' THEN "Inpatient" ELSE 0 END) AS BIGINT) AS "Inpatient",
                   CAST(SUM(CASE WHEN "Status" = 'Settled' THEN "Temporary" ELSE 0 END) AS BIGINT) AS "Temporary",
                   CAST(SUM(CASE WHEN "Status" = 'Settled' THEN "Charity" ELSE 0 END) AS BIGINT) AS "Charity"
        """;

    /// <summary>
    /// For a unit's scope, only the settlements of people whose unit lies in its subtree (a prefix of the unit path,
    /// compared in the database); without a scope, nothing, so the city-wide statement stays the plain one.
    /// </summary>
    private static string InScope(DataScope scope, int firstParameter) =>
        scope.UnitPath is null
            ? ""
            : $$"""
              AND "BeneficiaryId" IN (
                SELECT "Beneficiaries"."Id" FROM "Beneficiaries"
                JOIN "OrganisationUnits" ON "OrganisationUnits"."Id" = "Beneficiaries"."UnitId"
                WHERE SUBSTR("OrganisationUnits"."Path", 1, {{{firstParameter}}}) = {{{firstParameter + 1}}})
              """;

    private static object[] ScopeParameters(DataScope scope) => scope.UnitPath is { } path ? [path.Length, path] : [];

    /// <summary>
    /// Whole months of one year: a person counts once per dimension value, as each has one row per value with the
    /// months they were settled in.
    /// </summary>
    private async Task<Persons> PersonsFromRollupsAsync(int year, int monthMask, CancellationToken cancellationToken)
    {
        var rows = await db.Database.SqlQuery<PersonRow>($"""
            WITH "Months"("Number") AS (VALUES (1), (2), (3), (4), (5), (6), (7), (8), (9), (10), (11), (12))
            SELECT "Dimension", "Key", 0 AS "Month", COUNT(*) AS "Persons"
            FROM "PersonSettledMonths"
            WHERE "Year" = {year} AND ("Months" & {monthMask}) <> 0
            GROUP BY "Dimension", "Key"
            UNION ALL
            SELECT 'Month' AS "Dimension", '' AS "Key", "Months"."Number" AS "Month", COUNT(*) AS "Persons"
            FROM "PersonSettledMonths" JOIN "Months" ON ("PersonSettledMonths"."Months" & (1 << ("Months"."Number" - 1))) <> 0
            WHERE "Year" = {year} AND "Dimension" = 'All' AND ("PersonSettledMonths"."Months" & {monthMask}) <> 0
            GROUP BY "Months"."Number"
            """).ToListAsync(cancellationToken);

        Dictionary<string, long> Of(string dimension, Func<PersonRow, string> key) =>
            rows.Where(row => row.Dimension == dimension).ToDictionary(key, row => row.Persons, StringComparer.Ordinal);

        return new Persons(
            rows.Where(row => row.Dimension == nameof(PersonDimension.All)).Sum(row => row.Persons),
            Of(nameof(PersonDimension.Hospital), row => row.Key),
            Of(nameof(PersonDimension.Category), row => row.Key),
            Of("Month", row => MonthKey(year, row.Month)));
    }

    /// <summary>Any other range: distinct persons counted from the settlements themselves.</summary>
    private async Task<Persons> PersonsFromSettlementsAsync(DateOnly from, DateOnly to, DataScope scope, CancellationToken cancellationToken)
    {
        var settled = scope.Settlements(db).AsNoTracking()
            .Where(settlement => settlement.ServiceDate >= from && settlement.ServiceDate <= to && settlement.Status == SettlementState.Settled);
        var total = await settled.Select(settlement => settlement.BeneficiaryId).Distinct().LongCountAsync(cancellationToken);
        var byHospital = await settled.GroupBy(settlement => settlement.HospitalCode)
            .Select(group => new { group.Key, Count = group.Select(settlement => settlement.BeneficiaryId).Distinct().LongCount() })
            .ToDictionaryAsync(row => row.Key, row => row.Count, StringComparer.Ordinal, cancellationToken);
        var byCategory = await settled.GroupBy(settlement => settlement.CategoryCode)
            .Select(group => new { group.Key, Count = group.Select(settlement => settlement.BeneficiaryId).Distinct().LongCount() })
            .ToDictionaryAsync(row => row.Key, row => row.Count, StringComparer.Ordinal, cancellationToken);
        var byMonth = (await settled.GroupBy(settlement => new { settlement.ServiceDate.Year, settlement.ServiceDate.Month })
                .Select(group => new { group.Key.Year, group.Key.Month, Count = group.Select(settlement => settlement.BeneficiaryId).Distinct().LongCount() })
                .ToListAsync(cancellationToken))
            .ToDictionary(row => MonthKey(row.Year, row.Month), row => row.Count, StringComparer.Ordinal);
        return new Persons(total, byHospital, byCategory, byMonth);
    }

    public static string MonthKey(int year, int month) => $"{year:D4}-{month:D2}";

    public static IReadOnlyList<ChannelTotal> ToWire(ChannelAmounts amounts) =>
        Channels.InSettlementOrder
            .Select(channel => new ChannelTotal { Channel = SettlementMapping.ToWire(channel), Amount = amounts[channel].ToYuan() })
            .ToArray();

    private static void Add(SortedDictionary<string, Totals> totals, string key, Totals more) =>
        totals[key] = totals.TryGetValue(key, out var sum) ? sum + more : more;

    private static SummaryGroup[] ToGroups(SortedDictionary<string, Totals> totals, Dictionary<string, long> persons) =>
        totals.Select(pair => new SummaryGroup
            {
                Key = pair.Key,
                SettlementCount = pair.Value.Count,
                PersonCount = persons.GetValueOrDefault(pair.Key),
                FundsSettled = pair.Value.Channels.Sum.ToYuan(),
                ByChannel = ToWire(pair.Value.Channels),
            })
            .ToArray();

    internal readonly record struct Totals(long Count, ChannelAmounts Channels)
    {
        public static Totals None => new(0, ChannelAmounts.Zero);

        public static Totals operator +(Totals left, Totals right) => new(checked(left.Count + right.Count), left.Channels + right.Channels);
    }

    private sealed record Persons(long Total, Dictionary<string, long> ByHospital, Dictionary<string, long> ByCategory, Dictionary<string, long> ByMonth);

    /// <summary>A row of the persons query: distinct persons of one hospital, category or month.</summary>
    internal sealed class PersonRow
    {
        public string Dimension { get; set; } = "";

        public string Key { get; set; } = "";

        public int Month { get; set; }

        public long Persons { get; set; }
    }

    /// <summary>The settlements of one service day.</summary>
    internal sealed class DayRow : GroupRow
    {
        public DateOnly Day { get; set; }
    }

    /// <summary>The settlements of one service month, hospital and category: a row of the report's queries.</summary>
    internal class GroupRow
    {
        public int Year { get; set; }

        public int Month { get; set; }

        public string HospitalCode { get; set; } = "";

        public string CategoryCode { get; set; } = "";

        public long Count { get; set; }

        public long ReversedCount { get; set; }

        public long InsuranceSubsidy { get; set; }

        public long Outpatient { get; set; }

        public long Inpatient { get; set; }

        public long Temporary { get; set; }

        public long Charity { get; set; }

        public Totals ToTotals()
        {
            var channels = new ChannelAmounts(new Money(InsuranceSubsidy), new Money(Outpatient), new Money(Inpatient), new Money(Temporary), new Money(Charity));
            return new Totals(Count, channels);
        }
    }
}

/// <summary>A run of whole calendar months, from <see cref="First"/> to <see cref="Last"/> inclusive.</summary>
public readonly record struct MonthSpan(DateOnly First, DateOnly Last)
{
    public bool IsWithinOneYear => First.Year == Last.Year;

    /// <summary>The months as bits of <see cref="PersonSettledMonths.Months"/>; meaningful within one year.</summary>
    public int Mask
    {
        get
        {
            var mask = 0;
            for (var month = First.Month; month <= Last.Month; month++)
            {
                mask |= PersonSettledMonths.MonthBit(month);
            }

            return mask;
        }
    }
}

/// <summary>A report's service dates split into the whole months the rollups answer and the partial months at either end.</summary>
public sealed record ReportRange(MonthSpan? WholeMonths, IReadOnlyList<(DateOnly Start, DateOnly End)> PartialMonths)
{
    public bool IsWholeMonthsOfOneYear => PartialMonths.Count == 0 && WholeMonths is { IsWithinOneYear: true };

    // Months are counted as numbers rather than stepped with AddDays/AddMonths, which throw one step past 9999-12-31
    // or before 0001-01-01: any date a caller may send must give a report, if an empty one.
    public static ReportRange Of(DateOnly from, DateOnly to)
    {
        var fromMonth = MonthNumber(from);
        var toMonth = MonthNumber(to);
        var firstWhole = from.Day == 1 ? fromMonth : fromMonth + 1;
        var lastWhole = IsLastOfMonth(to) ? toMonth : toMonth - 1;
        if (firstWhole > lastWhole)
        {
            // No whole month: the range lies within one month or takes parts of two neighbouring ones.
            return fromMonth == toMonth
                ? new ReportRange(null, [(from, to)])
                : new ReportRange(null, [(from, LastDayOf(fromMonth)), (FirstDayOf(toMonth), to)]);
        }

        var partial = new List<(DateOnly Start, DateOnly End)>();
        if (firstWhole != fromMonth)
        {
            partial.Add((from, LastDayOf(fromMonth)));
        }

        if (lastWhole != toMonth)
        {
            partial.Add((FirstDayOf(toMonth), to));
        }

        return new ReportRange(new MonthSpan(FirstDayOf(firstWhole), FirstDayOf(lastWhole)), partial);
    }

    /// <summary>Every month the range touches, each cut to the range.</summary>
    public static IEnumerable<(DateOnly Start, DateOnly End)> Months(DateOnly from, DateOnly to)
    {
        for (var month = MonthNumber(from); month <= MonthNumber(to); month++)
        {
            var first = FirstDayOf(month);
            var last = LastDayOf(month);
            yield return (first < from ? from : first, last > to ? to : last);
        }
    }

    /// <summary>The month as year × 12 + month − 1: consecutive months are consecutive numbers, across years too.</summary>
    private static int MonthNumber(DateOnly date) => (date.Year * 12) + date.Month - 1;

    private static DateOnly FirstDayOf(int monthNumber) => new(monthNumber / 12, (monthNumber % 12) + 1, 1);

    private static DateOnly LastDayOf(int monthNumber)
    {
        var first = FirstDayOf(monthNumber);
        return new DateOnly(first.Year, first.Month, DateTime.DaysInMonth(first.Year, first.Month));
    }

    private static bool IsLastOfMonth(DateOnly date) => date.Day == DateTime.DaysInMonth(date.Year, date.Month);
}
