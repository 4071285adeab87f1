namespace MedicalAid.Contracts;

/// <summary>A yearly limit: what it is, how much of it is used, what remains.</summary>
public sealed record class LimitStatus
{
    public required decimal Limit { get; init; }

    public required decimal Used { get; init; }

    public required decimal Remaining { get; init; }
}

/// <summary>Outpatient or inpatient assistance for the beneficiary this year.</summary>
public sealed record class MedicalAssistanceStatus
{
    /// <summary>The category's ratio (inpatient: before the hospital-level adjustment).</summary>
    public required decimal Ratio { get; init; }

    public required LimitStatus Deductible { get; init; }

    public required LimitStatus AnnualCap { get; init; }
}

/// <summary>Whether a person can be settled on a date, and what remains of their limits in that year.</summary>
public sealed record class EligibilityResponse
{
    public required string IdNumberMasked { get; init; }

    public required string Name { get; init; }

    public required DateOnly Date { get; init; }

    /// <summary>True when the beneficiary is active on the date and a policy is in force.</summary>
    public required bool Eligible { get; init; }

    public required bool Active { get; init; }

    /// <summary>Category in force on the date.</summary>
    public string? Category { get; init; }

    public string? CategoryName { get; init; }

    public string? PolicyVersion { get; init; }

    public required int Year { get; init; }

    public required bool InsuranceSubsidyPaid { get; init; }

    public MedicalAssistanceStatus? Outpatient { get; init; }

    public MedicalAssistanceStatus? Inpatient { get; init; }

    /// <summary>The annual cap shared by outpatient and inpatient assistance.</summary>
    public LimitStatus? SharedAnnualCap { get; init; }

    public bool TemporaryEligible { get; init; }

    public LimitStatus? Temporary { get; init; }

    public bool CharityEligible { get; init; }

    /// <summary>Charity paid this year (charity has a per-case cap, not a yearly one).</summary>
    public decimal CharityUsed { get; init; }
}
