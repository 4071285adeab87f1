using MedicalAid.Api.Infrastructure;
using MedicalAid.Api.Settlements;
using MedicalAid.Contracts.Admin;
using MedicalAid.Engine;
using Microsoft.EntityFrameworkCore;

namespace MedicalAid.Api.Reports;

/// <summary>
/// The summary report (汇总报表) over service dates: the database groups the unreversed settlements by month, hospital
/// and category and sums the fen of each channel; the groups are folded here into the totals by each dimension.
/// Distinct persons are counted by the database per dimension, since they do not add up across groups.
/// </summary>
public sealed class SummaryReportService(MedicalAidDbContext db)
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

    public async Task<SummaryReport> BuildAsync(DateOnly from, DateOnly to, CancellationToken cancellationToken)
    {
        var inRange = db.Settlements.AsNoTracking().Where(settlement => settlement.ServiceDate >= from && settlement.ServiceDate <= to);
        var settled = inRange.Where(settlement => settlement.Status == SettlementState.Settled);

        // Raw SQL over the plain bigint columns: EF Core would read a SUM of a Money column back through its converter.
        // Grouped by day rather than month, as the two databases spell "month of a date" differently; days fold into months here.
        var groups = await db.Database.SqlQuery<GroupRow>($"""
            SELECT "ServiceDate", "HospitalCode", "CategoryCode", COUNT(*) AS "Count",
                   CAST(SUM("FundsSettled") AS BIGINT) AS "FundsSettled",
                   CAST(SUM("InsuranceSubsidy") AS BIGINT) AS "InsuranceSubsidy",
                   CAST(SUM("Outpatient") AS BIGINT) AS "Outpatient",
                   CAST(SUM("Inpatient") AS BIGINT) AS "Inpatient",
                   CAST(SUM("Temporary") AS BIGINT) AS "Temporary",
                   CAST(SUM("Charity") AS BIGINT) AS "Charity"
            FROM "Settlements"
            WHERE "Status" = 'Settled' AND "ServiceDate" >= {from} AND "ServiceDate" <= {to}
            GROUP BY "ServiceDate", "HospitalCode", "CategoryCode"
            """).ToListAsync(cancellationToken);

        var reversedCount = await inRange.LongCountAsync(settlement => settlement.Status == SettlementState.Reversed, cancellationToken);
        var persons = await settled.Select(settlement => settlement.BeneficiaryId).Distinct().LongCountAsync(cancellationToken);
        var personsByHospital = await settled.GroupBy(settlement => settlement.HospitalCode)
            .Select(group => new { group.Key, Count = group.Select(settlement => settlement.BeneficiaryId).Distinct().LongCount() })
            .ToDictionaryAsync(row => row.Key, row => row.Count, StringComparer.Ordinal, cancellationToken);
        var personsByCategory = await settled.GroupBy(settlement => settlement.CategoryCode)
            .Select(group => new { group.Key, Count = group.Select(settlement => settlement.BeneficiaryId).Distinct().LongCount() })
            .ToDictionaryAsync(row => row.Key, row => row.Count, StringComparer.Ordinal, cancellationToken);
        var personsByMonth = (await settled.GroupBy(settlement => new { settlement.ServiceDate.Year, settlement.ServiceDate.Month })
                .Select(group => new { group.Key.Year, group.Key.Month, Count = group.Select(settlement => settlement.BeneficiaryId).Distinct().LongCount() })
                .ToListAsync(cancellationToken))
            .ToDictionary(row => MonthKey(row.Year, row.Month), row => row.Count, StringComparer.Ordinal);

        var total = Totals.None;
        var byHospital = new SortedDictionary<string, Totals>(StringComparer.Ordinal);
        var byCategory = new SortedDictionary<string, Totals>(StringComparer.Ordinal);
        var byMonth = new SortedDictionary<string, Totals>(StringComparer.Ordinal);
        foreach (var group in groups)
        {
            var totals = group.ToTotals();
            total += totals;
            Add(byHospital, group.HospitalCode, totals);
            Add(byCategory, group.CategoryCode, totals);
            Add(byMonth, MonthKey(group.ServiceDate.Year, group.ServiceDate.Month), totals);
        }

        return new SummaryReport
        {
            From = from,
            To = to,
            SettlementCount = total.Count,
            ReversedCount = reversedCount,
            PersonCount = persons,
            FundsSettled = total.Channels.Sum.ToYuan(),
            ByChannel = ToWire(total.Channels),
            ByHospital = ToGroups(byHospital, personsByHospital),
            ByCategory = ToGroups(byCategory, personsByCategory),
            ByMonth = ToGroups(byMonth, personsByMonth),
        };
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

    /// <summary>The settlements of one service date, hospital and category: a row of the report's query.</summary>
    internal sealed class GroupRow
    {
        public DateOnly ServiceDate { get; set; }

        public string HospitalCode { get; set; } = "";

        public string CategoryCode { get; set; } = "";

        public long Count { get; set; }

        public long FundsSettled { get; set; }

        public long InsuranceSubsidy { get; set; }

        public long Outpatient { get; set; }

        public long Inpatient { get; set; }

        public long Temporary { get; set; }

        public long Charity { get; set; }

        public Totals ToTotals()
        {
            var channels = new ChannelAmounts(new Money(InsuranceSubsidy), new Money(Outpatient), new Money(Inpatient), new Money(Temporary), new Money(Charity));
            if (channels.Sum.Fen != FundsSettled)
            {
                throw new InvalidOperationException($"Settlements of {HospitalCode} {CategoryCode} {ServiceDate:yyyy-MM-dd}: funds settled {FundsSettled} fen but the channels add up to {channels.Sum.Fen}.");
            }

            return new Totals(Count, channels);
        }
    }
}
