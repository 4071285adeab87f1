using System.Globalization;
using MedicalAid.Api.Infrastructure;
using MedicalAid.Api.Settlements;
using MedicalAid.Engine;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace MedicalAid.Api.Reports;

/// <summary>
/// The unreversed settlements of one service month, hospital and category, summed per channel, and how many were
/// reversed: what the summary report adds up instead of scanning every settlement. Kept in the settlement and
/// reversal transactions. Each group is spread over <see cref="ShardCount"/> rows by beneficiary so that concurrent
/// settlements at one hospital rarely wait on the same row.
/// </summary>
public sealed class MonthlySettlementTotal
{
    public const int ShardCount = 8;

    public int Year { get; set; }

    public int Month { get; set; }

    public required string HospitalCode { get; set; }

    public required string CategoryCode { get; set; }

    public int Shard { get; set; }

    public long SettlementCount { get; set; }

    public long ReversedCount { get; set; }

    public Money InsuranceSubsidy { get; set; }

    public Money Outpatient { get; set; }

    public Money Inpatient { get; set; }

    public Money Temporary { get; set; }

    public Money Charity { get; set; }
}

public enum PersonDimension
{
    All,
    Hospital,
    Category,
}

/// <summary>
/// In which months of a year a beneficiary has an unreversed settlement (bit 0 = January), overall, per hospital and
/// per category: one row per person and dimension value, so that distinct persons are counted as rows, not by
/// de-duplicating every settlement. The beneficiary's usage row, locked by every settlement and reversal, serialises
/// all changes to a person's rows.
/// </summary>
public sealed class PersonSettledMonths
{
    public int Year { get; set; }

    public long BeneficiaryId { get; set; }

    public PersonDimension Dimension { get; set; }

    /// <summary>The hospital or category code; empty for <see cref="PersonDimension.All"/>.</summary>
    public required string Key { get; set; }

    public int Months { get; set; }

    public static int MonthBit(int month) => 1 << (month - 1);
}

internal sealed class MonthlySettlementTotalConfiguration : IEntityTypeConfiguration<MonthlySettlementTotal>
{
    public void Configure(EntityTypeBuilder<MonthlySettlementTotal> builder)
    {
        builder.HasKey(total => new { total.Year, total.Month, total.HospitalCode, total.CategoryCode, total.Shard });
        builder.Property(total => total.HospitalCode).HasMaxLength(32);
        builder.Property(total => total.CategoryCode).HasMaxLength(64);
    }
}

internal sealed class PersonSettledMonthsConfiguration : IEntityTypeConfiguration<PersonSettledMonths>
{
    public void Configure(EntityTypeBuilder<PersonSettledMonths> builder)
    {
        builder.HasKey(row => new { row.Year, row.BeneficiaryId, row.Dimension, row.Key });
        builder.Property(row => row.Dimension).HasConversion<string>().HasMaxLength(16);
        builder.Property(row => row.Key).HasMaxLength(64);
        builder.HasIndex(row => new { row.Year, row.Dimension, row.Key, row.Months });
    }
}

/// <summary>Keeps the report's rollups in step with settlements, inside the transaction that settles or reverses.</summary>
public static class ReportRollups
{
    /// <summary>
    /// Adds to <paramref name="command"/> the atomic upserts that add a settlement to its month's totals and mark its
    /// month for its person; returns the rows they change. The totals row is shared with concurrent settlements of
    /// other people, so these run last, just before commit and after the fund rows (the order a reversal takes them
    /// in too); the person's rows are serialised by their usage row, which must already be locked.
    /// </summary>
    public static int AppendSettled(RawSql command, Settlement settlement)
    {
        ArgumentNullException.ThrowIfNull(command);
        ArgumentNullException.ThrowIfNull(settlement);
        AppendMonthlyTotals(command, settlement, +1);
        var bit = PersonSettledMonths.MonthBit(settlement.ServiceDate.Month);
        var dimensions = DimensionsOf(settlement.HospitalCode, settlement.CategoryCode);
        var rows = dimensions.Select(dimension =>
            $"({command.Add(settlement.ServiceYear)}, {command.Add(settlement.BeneficiaryId)}, {command.Add(dimension.Dimension.ToString())}, {command.Add(dimension.Key)}, {command.Add(bit)})").ToArray();
        command.Text.Append(CultureInfo.InvariantCulture, $"""
            INSERT INTO "PersonSettledMonths" ("Year", "BeneficiaryId", "Dimension", "Key", "Months")
            VALUES {string.Join(", ", rows)}
            ON CONFLICT ("Year", "BeneficiaryId", "Dimension", "Key") DO UPDATE SET "Months" = "PersonSettledMonths"."Months" | excluded."Months";

            """);
        return 1 + dimensions.Length;
    }

    /// <summary>
    /// Recomputes the person's months from their other unreversed settlements of the year, since another settlement
    /// may still keep a month. Call after the beneficiary's usage row is locked.
    /// </summary>
    public static async Task RecordReversedAsync(MedicalAidDbContext db, Settlement settlement, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(db);
        ArgumentNullException.ThrowIfNull(settlement);
        var remaining = await db.Settlements.AsNoTracking()
            .Where(other => other.BeneficiaryId == settlement.BeneficiaryId && other.ServiceYear == settlement.ServiceYear
                && other.Status == SettlementState.Settled && other.Id != settlement.Id)
            .Select(other => new { other.ServiceDate, other.HospitalCode, other.CategoryCode })
            .ToListAsync(cancellationToken);
        var wanted = new Dictionary<(PersonDimension, string), int>();
        foreach (var other in remaining)
        {
            foreach (var dimension in DimensionsOf(other.HospitalCode, other.CategoryCode))
            {
                wanted[dimension] = wanted.GetValueOrDefault(dimension) | PersonSettledMonths.MonthBit(other.ServiceDate.Month);
            }
        }

        foreach (var row in await PersonRowsAsync(db, settlement.BeneficiaryId, settlement.ServiceYear, cancellationToken))
        {
            if (wanted.TryGetValue((row.Dimension, row.Key), out var months))
            {
                row.Months = months;
            }
            else
            {
                db.PersonSettledMonths.Remove(row);
            }
        }
    }

    /// <summary>
    /// Takes a reversed settlement off its month's totals (an atomic upsert, since concurrent settlements of other
    /// people share the row); run it after the fund rows, as a settlement does.
    /// </summary>
    public static async Task RemoveFromMonthlyTotalsAsync(MedicalAidDbContext db, Settlement settlement, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(db);
        ArgumentNullException.ThrowIfNull(settlement);
        var command = new RawSql();
        AppendMonthlyTotals(command, settlement, -1);
        await command.ExecuteAsync(db, cancellationToken);
    }

    /// <summary>Adds a settlement (<paramref name="sign"/> +1) or its reversal (−1) to its month's totals.</summary>
    private static void AppendMonthlyTotals(RawSql command, Settlement settlement, int sign)
    {
        var shard = (int)(settlement.BeneficiaryId % MonthlySettlementTotal.ShardCount);
        var reversed = sign == 1 ? 0 : 1;
        command.Text.Append(CultureInfo.InvariantCulture, $"""
            INSERT INTO "MonthlySettlementTotals" ("Year", "Month", "HospitalCode", "CategoryCode", "Shard", "SettlementCount", "ReversedCount",
                "InsuranceSubsidy", "Outpatient", "Inpatient", "Temporary", "Charity")
            VALUES ({command.Add(settlement.ServiceYear)}, {command.Add(settlement.ServiceDate.Month)}, {command.Add(settlement.HospitalCode)},
                {command.Add(settlement.CategoryCode)}, {command.Add(shard)}, {command.Add(sign)}, {command.Add(reversed)},
                {command.Add(sign * settlement.InsuranceSubsidy.Fen)}, {command.Add(sign * settlement.Outpatient.Fen)}, {command.Add(sign * settlement.Inpatient.Fen)},
                {command.Add(sign * settlement.Temporary.Fen)}, {command.Add(sign * settlement.Charity.Fen)})
            ON CONFLICT ("Year", "Month", "HospitalCode", "CategoryCode", "Shard") DO UPDATE SET
                "SettlementCount" = "MonthlySettlementTotals"."SettlementCount" + excluded."SettlementCount",
                "ReversedCount" = "MonthlySettlementTotals"."ReversedCount" + excluded."ReversedCount",
                "InsuranceSubsidy" = "MonthlySettlementTotals"."InsuranceSubsidy" + excluded."InsuranceSubsidy",
                "Outpatient" = "MonthlySettlementTotals"."Outpatient" + excluded."Outpatient",
                "Inpatient" = "MonthlySettlementTotals"."Inpatient" + excluded."Inpatient",
                "Temporary" = "MonthlySettlementTotals"."Temporary" + excluded."Temporary",
                "Charity" = "MonthlySettlementTotals"."Charity" + excluded."Charity";

            """);
    }

    private static (PersonDimension Dimension, string Key)[] DimensionsOf(string hospitalCode, string categoryCode) =>
        [(PersonDimension.All, ""), (PersonDimension.Hospital, hospitalCode), (PersonDimension.Category, categoryCode)];

    private static Task<List<PersonSettledMonths>> PersonRowsAsync(MedicalAidDbContext db, long beneficiaryId, int year, CancellationToken cancellationToken) =>
        db.PersonSettledMonths.Where(row => row.BeneficiaryId == beneficiaryId && row.Year == year).ToListAsync(cancellationToken);
}
