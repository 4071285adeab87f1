using MedicalAid.Api.Hospitals;
using MedicalAid.Engine;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace MedicalAid.Api.Clearing;

public enum ClearingState
{
    Issued,
    Acknowledged,
    Paid,
}

/// <summary>
/// What the assistance funds owe one hospital for one month (清算): the month's settlements minus the month's reversals,
/// per channel. At most one per (hospital, month), enforced by a unique index, so clearing a month again issues nothing.
/// </summary>
public sealed class ClearingStatement
{
    public Guid Id { get; set; }

    public int HospitalId { get; set; }

    public required string HospitalCode { get; set; }

    /// <summary>yyyy-MM, in the scheme's time zone.</summary>
    public required string Month { get; set; }

    public int SettlementCount { get; set; }

    public int ReversalCount { get; set; }

    public Money InsuranceSubsidy { get; set; }

    public Money Outpatient { get; set; }

    public Money Inpatient { get; set; }

    public Money Temporary { get; set; }

    public Money Charity { get; set; }

    public Money Total { get; set; }

    public ClearingState Status { get; set; }

    public DateTimeOffset IssuedAt { get; set; }

    public DateTimeOffset? AcknowledgedAt { get; set; }

    public DateTimeOffset? PaidAt { get; set; }

    public ChannelAmounts Owed => new(InsuranceSubsidy, Outpatient, Inpatient, Temporary, Charity);
}

internal sealed class ClearingStatementConfiguration : IEntityTypeConfiguration<ClearingStatement>
{
    public void Configure(EntityTypeBuilder<ClearingStatement> builder)
    {
        builder.Property(statement => statement.HospitalCode).HasMaxLength(32);
        builder.Property(statement => statement.Month).HasMaxLength(7);
        builder.Property(statement => statement.Status).HasConversion<string>().HasMaxLength(16);
        builder.Ignore(statement => statement.Owed);
        builder.HasOne<Hospital>().WithMany().HasForeignKey(statement => statement.HospitalId);
        builder.HasIndex(statement => new { statement.HospitalId, statement.Month }).IsUnique();
        builder.HasIndex(statement => statement.Month);
    }
}
