using MedicalAid.Api.Beneficiaries;
using MedicalAid.Api.Hospitals;
using MedicalAid.Api.Policies;
using MedicalAid.Engine;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace MedicalAid.Api.Settlements;

public enum SettlementState
{
    Settled,
    Reversed,
}

/// <summary>
/// One settled discharge or visit: its inputs, what each channel paid and why, and what the patient paid.
/// Never deleted; a reversal marks it reversed and adds a <see cref="SettlementReversal"/> that negates it.
/// </summary>
public sealed class Settlement
{
    public Guid Id { get; set; }

    public int HospitalId { get; set; }

    public required string HospitalCode { get; set; }

    public required string IdempotencyKey { get; set; }

    public required string VisitNumber { get; set; }

    public VisitType VisitType { get; set; }

    public long BeneficiaryId { get; set; }

    public required string IdNumber { get; set; }

    public required string BeneficiaryName { get; set; }

    public required string CategoryCode { get; set; }

    public DateOnly ServiceDate { get; set; }

    public int ServiceYear { get; set; }

    public DateOnly? AdmissionDate { get; set; }

    public DateOnly? DischargeDate { get; set; }

    public DateOnly? VisitDate { get; set; }

    /// <summary>Comma-separated ICD-10 codes.</summary>
    public string DiagnosisCodes { get; set; } = "";

    public int PolicyVersionId { get; set; }

    public required string PolicyCode { get; set; }

    public Money Total { get; set; }

    public Money PolicyScope { get; set; }

    public Money BasicInsurancePaid { get; set; }

    public Money CriticalIllnessInsurancePaid { get; set; }

    public Money OtherInsurancePaid { get; set; }

    public Money InsuranceSubsidy { get; set; }

    public Money Outpatient { get; set; }

    public Money Inpatient { get; set; }

    public Money Temporary { get; set; }

    public Money Charity { get; set; }

    /// <summary>The part of the year's deductible this settlement used (d), for the visit type's deductible.</summary>
    public Money DeductibleApplied { get; set; }

    public Money AssistanceTotal { get; set; }

    public Money FundsSettled { get; set; }

    public Money PatientPays { get; set; }

    /// <summary>Reasons and traces of the five channels, as sent to the hospital (JSON).</summary>
    public required string ChannelDetails { get; set; }

    public SettlementState Status { get; set; }

    public DateTimeOffset SettledAt { get; set; }

    public DateTimeOffset? ReversedAt { get; set; }

    public SettlementReversal? Reversal { get; set; }

    public Bill Bill => new(Total, PolicyScope, BasicInsurancePaid, CriticalIllnessInsurancePaid, OtherInsurancePaid);

    public ChannelAmounts FundDebits => new(InsuranceSubsidy, Outpatient, Inpatient, Temporary, Charity);

    /// <summary>What this settlement added to the beneficiary's year; a reversal takes exactly this away.</summary>
    public YearUsage UsageChange => new(
        InsuranceSubsidy: InsuranceSubsidy,
        OutpatientDeductible: VisitType == VisitType.Outpatient ? DeductibleApplied : Money.Zero,
        InpatientDeductible: VisitType == VisitType.Inpatient ? DeductibleApplied : Money.Zero,
        Outpatient: Outpatient,
        Inpatient: Inpatient,
        Temporary: Temporary,
        Charity: Charity);
}

/// <summary>The record that negates a settlement (撤销 or 冲正).</summary>
public sealed class SettlementReversal
{
    public Guid Id { get; set; }

    public Guid SettlementId { get; set; }

    public int HospitalId { get; set; }

    public string? Reason { get; set; }

    public DateTimeOffset ReversedAt { get; set; }
}

internal sealed class SettlementConfiguration : IEntityTypeConfiguration<Settlement>
{
    public void Configure(EntityTypeBuilder<Settlement> builder)
    {
        builder.Property(settlement => settlement.HospitalCode).HasMaxLength(32);
        builder.Property(settlement => settlement.IdempotencyKey).HasMaxLength(IdempotencyRecord.MaxKeyLength);
        builder.Property(settlement => settlement.VisitNumber).HasMaxLength(SettlementRules.MaxVisitNumberLength);
        builder.Property(settlement => settlement.IdNumber).HasMaxLength(18);
        builder.Property(settlement => settlement.BeneficiaryName).HasMaxLength(64);
        builder.Property(settlement => settlement.CategoryCode).HasMaxLength(64);
        builder.Property(settlement => settlement.PolicyCode).HasMaxLength(64);
        builder.Property(settlement => settlement.DiagnosisCodes).HasMaxLength(512);
        builder.Ignore(settlement => settlement.Bill);
        builder.Ignore(settlement => settlement.FundDebits);
        builder.Ignore(settlement => settlement.UsageChange);

        builder.HasOne<Hospital>().WithMany().HasForeignKey(settlement => settlement.HospitalId);
        builder.HasOne<Beneficiary>().WithMany().HasForeignKey(settlement => settlement.BeneficiaryId);
        builder.HasOne<PolicyVersionRecord>().WithMany().HasForeignKey(settlement => settlement.PolicyVersionId);
        builder.HasOne(settlement => settlement.Reversal).WithOne().HasForeignKey<SettlementReversal>(reversal => reversal.SettlementId);

        // Invariant 1 of docs/design.md §6, enforced by the database itself.
        builder.HasIndex(settlement => new { settlement.HospitalId, settlement.IdempotencyKey }).IsUnique();
        builder.HasIndex(settlement => new { settlement.HospitalId, settlement.VisitNumber })
            .IsUnique()
            .HasFilter("\"Status\" = 'Settled'")
            .HasDatabaseName("IX_Settlements_OneUnreversedPerVisit");
        builder.HasIndex(settlement => new { settlement.BeneficiaryId, settlement.ServiceYear });
        builder.HasIndex(settlement => new { settlement.HospitalId, settlement.SettledAt });

        // Staff search (newest first) and reports (by service date) over millions of settlements.
        builder.HasIndex(settlement => new { settlement.SettledAt, settlement.Id });
        builder.HasIndex(settlement => new { settlement.ServiceDate, settlement.Status });
    }
}

internal sealed class SettlementReversalConfiguration : IEntityTypeConfiguration<SettlementReversal>
{
    public void Configure(EntityTypeBuilder<SettlementReversal> builder)
    {
        builder.Property(reversal => reversal.Reason).HasMaxLength(SettlementRules.MaxReasonLength);
        builder.HasIndex(reversal => reversal.SettlementId).IsUnique();
        builder.HasIndex(reversal => new { reversal.HospitalId, reversal.ReversedAt });
    }
}
