using System.Diagnostics.CodeAnalysis;
using System.Text.Json.Serialization;

namespace MedicalAid.Contracts;

/// <summary>The patient as the hospital registered them; checked against the beneficiary registry.</summary>
public sealed record class PatientIdentity
{
    /// <summary>18-character resident ID number (GB 11643).</summary>
    /// <example>140109196208150026</example>
    public required string IdNumber { get; init; }

    /// <summary>Name as registered; must match the beneficiary registry.</summary>
    /// <example>李秀英</example>
    public required string Name { get; init; }
}

/// <summary>The bill, in yuan with at most two decimals.</summary>
public sealed record class BillAmounts
{
    /// <summary>T: total cost of the visit.</summary>
    /// <example>20000.00</example>
    public required decimal Total { get; init; }

    /// <summary>S: policy-scope cost (政策范围内费用); at most the total.</summary>
    /// <example>18000.00</example>
    public required decimal PolicyScope { get; init; }

    /// <summary>Paid by basic medical insurance.</summary>
    /// <example>10000.00</example>
    public required decimal BasicInsurancePaid { get; init; }

    /// <summary>Paid by critical-illness insurance.</summary>
    /// <example>0</example>
    public decimal CriticalIllnessInsurancePaid { get; init; }

    /// <summary>Paid by other insurance. The three insurance payments together (I) are at most the policy-scope cost.</summary>
    /// <example>0</example>
    public decimal OtherInsurancePaid { get; init; }
}

/// <summary>A discharge (inpatient) or visit (outpatient) to preview or settle.</summary>
public sealed record class SettlementRequest
{
    /// <summary>The hospital's own visit number; one unreversed settlement per visit.</summary>
    /// <example>ZY2026112800017</example>
    public required string VisitNumber { get; init; }

    /// <summary>`outpatient` or `inpatient`.</summary>
    /// <example>inpatient</example>
    public required VisitType VisitType { get; init; }

    public required PatientIdentity Patient { get; init; }

    /// <summary>Inpatient only: the admission date.</summary>
    /// <example>2026-11-20</example>
    public DateOnly? AdmissionDate { get; init; }

    /// <summary>Inpatient only: the discharge date, which is the service date.</summary>
    /// <example>2026-11-28</example>
    public DateOnly? DischargeDate { get; init; }

    /// <summary>Outpatient only: the visit date, which is the service date.</summary>
    public DateOnly? VisitDate { get; init; }

    /// <summary>ICD-10 diagnosis codes.</summary>
    public IReadOnlyList<string>? DiagnosisCodes { get; init; }

    public required BillAmounts Amounts { get; init; }
}

/// <summary>The beneficiary as recorded on a settlement; the ID number is masked.</summary>
public sealed record class BeneficiarySummary
{
    /// <example>1401**********0026</example>
    public required string IdNumberMasked { get; init; }

    /// <example>李秀英</example>
    public required string Name { get; init; }

    /// <summary>Category code in force on the service date.</summary>
    /// <example>minimum-living</example>
    public required string Category { get; init; }
}

/// <summary>What one channel pays and why.</summary>
public sealed record class ChannelOutcome
{
    public required AssistanceChannel Channel { get; init; }

    /// <summary>Amount in yuan.</summary>
    public required decimal Amount { get; init; }

    /// <summary>Reason codes: NOT_ELIGIBLE_CATEGORY, BELOW_THRESHOLD, DEDUCTIBLE_APPLIED, CAP_REACHED, FUND_EXHAUSTED, ALREADY_PAID_THIS_YEAR, NOT_APPLICABLE_VISIT_TYPE.</summary>
    public required IReadOnlyList<string> Reasons { get; init; }

    /// <summary>The figures the channel used: amounts in yuan, ratios as fractions (0.75).</summary>
    public required IReadOnlyDictionary<string, decimal> Trace { get; init; }
}

/// <summary>A calculation: the full result of a preview, and the body of a settlement.</summary>
public record class SettlementCalculation
{
    public required string VisitNumber { get; init; }

    public required VisitType VisitType { get; init; }

    public required string HospitalCode { get; init; }

    public required BeneficiarySummary Beneficiary { get; init; }

    public required DateOnly ServiceDate { get; init; }

    /// <summary>Code of the policy version used.</summary>
    /// <example>demo</example>
    public required string PolicyVersion { get; init; }

    public required BillAmounts Amounts { get; init; }

    /// <summary>All five channels, in settlement order.</summary>
    public required IReadOnlyList<ChannelOutcome> Channels { get; init; }

    /// <summary>Outpatient or inpatient + temporary + charity.</summary>
    public required decimal AssistanceTotal { get; init; }

    /// <summary>Assistance total + insurance subsidy.</summary>
    public required decimal FundsSettled { get; init; }

    /// <summary>What the patient still pays: T − I − assistance total.</summary>
    public required decimal PatientPays { get; init; }
}

/// <summary>A recorded settlement: the calculation plus its identity and status.</summary>
public sealed record class SettlementResponse : SettlementCalculation
{
    public SettlementResponse()
    {
    }

    /// <summary>A recorded settlement of <paramref name="calculation"/>.</summary>
    [SetsRequiredMembers]
    public SettlementResponse(SettlementCalculation calculation, Guid settlementId, SettlementStatus status, DateTimeOffset settledAt)
        : base(calculation)
    {
        SettlementId = settlementId;
        Status = status;
        SettledAt = settledAt;
    }

    /// <example>0193a6b2-7c1e-7d8a-9f00-3c2b1a0e9d11</example>
    [JsonPropertyOrder(-2)]
    public required Guid SettlementId { get; init; }

    [JsonPropertyOrder(-1)]
    public required SettlementStatus Status { get; init; }

    [JsonPropertyOrder(1)]
    public required DateTimeOffset SettledAt { get; init; }

    /// <summary>Set once the settlement is reversed.</summary>
    [JsonPropertyOrder(2)]
    public DateTimeOffset? ReversedAt { get; init; }

    /// <summary>The reversal record, once reversed.</summary>
    [JsonPropertyOrder(3)]
    public Guid? ReversalId { get; init; }
}

/// <summary>Optional body of a reversal (撤销).</summary>
public sealed record class ReversalRequest
{
    /// <summary>Why the settlement is undone, for the audit trail.</summary>
    /// <example>患者信息录入错误</example>
    public string? Reason { get; init; }
}

/// <summary>A reversal: the record that negates a settlement, with what went back to each fund.</summary>
public sealed record class ReversalResponse
{
    public required Guid ReversalId { get; init; }

    public required Guid SettlementId { get; init; }

    public required string VisitNumber { get; init; }

    public required string HospitalCode { get; init; }

    public string? Reason { get; init; }

    /// <summary>Amounts credited back to each fund, in yuan, all five channels in settlement order.</summary>
    public required IReadOnlyList<ChannelRefund> Channels { get; init; }

    /// <summary>Total credited back to the funds.</summary>
    public required decimal FundsRestored { get; init; }

    public required DateTimeOffset ReversedAt { get; init; }
}

public sealed record class ChannelRefund
{
    public required AssistanceChannel Channel { get; init; }

    public required decimal Amount { get; init; }
}

/// <summary>Reversal by request (冲正): undo whatever was settled under an idempotency key, or void the key.</summary>
public sealed record class ReversalByRequest
{
    /// <summary>The Idempotency-Key the original settlement was (or would have been) sent with.</summary>
    /// <example>7f1c2a9e-0d4b-4c55-9a0e-6b1d2f3e4a5b</example>
    public required string OriginalIdempotencyKey { get; init; }

    public string? Reason { get; init; }
}

public sealed record class ReversalByRequestResponse
{
    public required ReversalByRequestOutcome Outcome { get; init; }

    public required string OriginalIdempotencyKey { get; init; }

    /// <summary>The reversal, when a settlement was found under the key.</summary>
    public ReversalResponse? Reversal { get; init; }
}
