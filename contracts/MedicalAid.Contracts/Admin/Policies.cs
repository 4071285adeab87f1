namespace MedicalAid.Contracts.Admin;

/// <summary>Deductible, ratio (a fraction such as 0.75) and annual cap of outpatient or inpatient assistance.</summary>
public sealed record class MedicalAssistanceRuleDto
{
    public required decimal Deductible { get; init; }

    /// <example>0.75</example>
    public required decimal Ratio { get; init; }

    public required decimal AnnualCap { get; init; }
}

public sealed record class CategoryRuleDto
{
    /// <example>minimum-living</example>
    public required string Category { get; init; }

    public required decimal PremiumSubsidy { get; init; }

    public required MedicalAssistanceRuleDto Outpatient { get; init; }

    public required MedicalAssistanceRuleDto Inpatient { get; init; }

    public required bool TemporaryEligible { get; init; }

    public required bool CharityEligible { get; init; }
}

/// <summary>Points added to the inpatient ratio by hospital level, as fractions (0.05 is five points).</summary>
public sealed record class LevelAdjustmentsDto
{
    public required decimal Primary { get; init; }

    public required decimal Secondary { get; init; }

    public required decimal Tertiary { get; init; }
}

public sealed record class TemporaryRuleDto
{
    public required decimal Threshold { get; init; }

    public required decimal Ratio { get; init; }

    public required decimal PerEventLimit { get; init; }

    public required decimal AnnualCap { get; init; }
}

public sealed record class CharityRuleDto
{
    public required decimal Threshold { get; init; }

    public required decimal Ratio { get; init; }

    public required decimal PerCaseCap { get; init; }
}

/// <summary>One version of the rules of docs/design.md §3, in force from effectiveFrom to effectiveTo (inclusive; open-ended when null).</summary>
public sealed record class PolicyVersionDto
{
    /// <example>2027</example>
    public required string Code { get; init; }

    public required DateOnly EffectiveFrom { get; init; }

    public DateOnly? EffectiveTo { get; init; }

    /// <summary>Shared by outpatient and inpatient assistance.</summary>
    public required decimal SharedAnnualCap { get; init; }

    public required LevelAdjustmentsDto InpatientLevelAdjustments { get; init; }

    public required TemporaryRuleDto Temporary { get; init; }

    public required CharityRuleDto Charity { get; init; }

    public required IReadOnlyList<CategoryRuleDto> Categories { get; init; }
}

/// <summary>A stored policy version.</summary>
public sealed record class PolicyVersionResponse
{
    public required PolicyVersionDto Policy { get; init; }

    public required DateTimeOffset CreatedAt { get; init; }

    /// <summary>True once a settlement has used it: its rules can never change.</summary>
    public required bool InUse { get; init; }
}
