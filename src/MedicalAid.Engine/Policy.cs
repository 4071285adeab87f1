namespace MedicalAid.Engine;

/// <summary>Deductible, ratio and annual cap of one kind of medical assistance (outpatient or inpatient) for one category.</summary>
public sealed record MedicalAssistanceRule(Money Deductible, Ratio Ratio, Money AnnualCap);

/// <summary>What a policy grants one beneficiary category.</summary>
public sealed record CategoryRule(
    string Category,
    Money PremiumSubsidy,
    MedicalAssistanceRule Outpatient,
    MedicalAssistanceRule Inpatient,
    bool TemporaryEligible,
    bool CharityEligible)
{
    public MedicalAssistanceRule For(VisitType visitType) =>
        visitType == VisitType.Inpatient ? Inpatient : Outpatient;
}

/// <summary>Temporary assistance (临时救助): the same for every eligible category.</summary>
public sealed record TemporaryRule(Money Threshold, Ratio Ratio, Money PerEventLimit, Money AnnualCap);

/// <summary>Charity assistance (慈善救助): the same for every eligible category.</summary>
public sealed record CharityRule(Money Threshold, Ratio Ratio, Money PerCaseCap);

/// <summary>Ratio points added to the inpatient ratio by hospital level (primary +5, secondary 0, tertiary −5 in the demo).</summary>
public sealed record HospitalLevelAdjustments(Ratio Primary, Ratio Secondary, Ratio Tertiary)
{
    public Ratio For(HospitalLevel level) => level switch
    {
        HospitalLevel.Primary => Primary,
        HospitalLevel.Secondary => Secondary,
        HospitalLevel.Tertiary => Tertiary,
        _ => throw new ArgumentOutOfRangeException(nameof(level), level, "Unknown hospital level."),
    };
}

/// <summary>
/// One version of the rules of docs/design.md §3 for every category, in force from <see cref="EffectiveFrom"/>
/// to <see cref="EffectiveTo"/> inclusive (open-ended when null).
/// </summary>
public sealed record PolicyVersion(
    string Code,
    DateOnly EffectiveFrom,
    DateOnly? EffectiveTo,
    Money SharedAnnualCap,
    HospitalLevelAdjustments InpatientLevelAdjustments,
    TemporaryRule Temporary,
    CharityRule Charity,
    IReadOnlyList<CategoryRule> Categories)
{
    public bool IsInForceOn(DateOnly date) => date >= EffectiveFrom && (EffectiveTo is null || date <= EffectiveTo);

    public CategoryRule? FindCategory(string category)
    {
        foreach (var rule in Categories)
        {
            if (string.Equals(rule.Category, category, StringComparison.Ordinal))
            {
                return rule;
            }
        }

        return null;
    }

    public CategoryRule RuleFor(string category) =>
        FindCategory(category) ?? throw new UnknownCategoryException(Code, category);

    /// <summary>Every way this version is unusable, each as a readable sentence naming the field. Empty when valid.</summary>
    public IReadOnlyList<string> Validate()
    {
        var problems = new List<string>();
        if (string.IsNullOrWhiteSpace(Code))
        {
            problems.Add("code: a policy version needs a code.");
        }

        if (EffectiveTo is { } to && to < EffectiveFrom)
        {
            problems.Add($"effectiveTo: {to:yyyy-MM-dd} is before effectiveFrom {EffectiveFrom:yyyy-MM-dd}.");
        }

        NotNegative(SharedAnnualCap, "sharedAnnualCap");
        foreach (var level in Enum.GetValues<HospitalLevel>())
        {
            var adjustment = InpatientLevelAdjustments.For(level);
            if (adjustment.BasisPoints is < -Ratio.BasisPointsPerWhole or > Ratio.BasisPointsPerWhole)
            {
                problems.Add($"inpatientLevelAdjustments.{level}: {adjustment} is outside [-1, 1].");
            }
        }

        NotNegative(Temporary.Threshold, "temporary.threshold");
        WithinZeroAndOne(Temporary.Ratio, "temporary.ratio");
        NotNegative(Temporary.PerEventLimit, "temporary.perEventLimit");
        NotNegative(Temporary.AnnualCap, "temporary.annualCap");
        NotNegative(Charity.Threshold, "charity.threshold");
        WithinZeroAndOne(Charity.Ratio, "charity.ratio");
        NotNegative(Charity.PerCaseCap, "charity.perCaseCap");

        if (Categories.Count == 0)
        {
            problems.Add("categories: a policy version needs at least one category.");
        }

        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var rule in Categories)
        {
            var name = $"categories[{rule.Category}]";
            if (string.IsNullOrWhiteSpace(rule.Category))
            {
                problems.Add("categories: every category rule needs a category code.");
            }
            else if (!seen.Add(rule.Category))
            {
                problems.Add($"{name}: the category appears more than once.");
            }

            NotNegative(rule.PremiumSubsidy, $"{name}.premiumSubsidy");
            CheckMedical(rule.Outpatient, $"{name}.outpatient");
            CheckMedical(rule.Inpatient, $"{name}.inpatient");
        }

        return problems;

        void CheckMedical(MedicalAssistanceRule rule, string name)
        {
            NotNegative(rule.Deductible, $"{name}.deductible");
            WithinZeroAndOne(rule.Ratio, $"{name}.ratio");
            NotNegative(rule.AnnualCap, $"{name}.annualCap");
        }

        void NotNegative(Money amount, string name)
        {
            if (amount.IsNegative)
            {
                problems.Add($"{name}: {amount} must not be negative.");
            }
        }

        void WithinZeroAndOne(Ratio ratio, string name)
        {
            if (!ratio.IsWithinZeroAndOne)
            {
                problems.Add($"{name}: {ratio} is outside [0, 1].");
            }
        }
    }

    /// <summary>Validates against the categories a region has registered: a rule for an unknown category is a problem too.</summary>
    public IReadOnlyList<string> Validate(IReadOnlySet<string> knownCategories)
    {
        ArgumentNullException.ThrowIfNull(knownCategories);
        var problems = new List<string>(Validate());
        foreach (var rule in Categories)
        {
            if (!string.IsNullOrWhiteSpace(rule.Category) && !knownCategories.Contains(rule.Category))
            {
                problems.Add($"categories[{rule.Category}]: unknown category.");
            }
        }

        return problems;
    }
}

public sealed class UnknownCategoryException(string policyCode, string category)
    : InvalidOperationException($"Policy version '{policyCode}' has no rule for category '{category}'.")
{
    public string PolicyCode { get; } = policyCode;

    public string Category { get; } = category;
}
