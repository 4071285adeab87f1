using MedicalAid.Contracts.Admin;
using MedicalAid.Engine;

namespace MedicalAid.Api.Policies;

/// <summary>Policy versions between the wire (yuan, fractions) and the engine (fen, basis points); nothing is rounded.</summary>
public static class PolicyMapping
{
    public static PolicyVersionDto ToDto(PolicyVersion policy)
    {
        ArgumentNullException.ThrowIfNull(policy);
        return new PolicyVersionDto
        {
            Code = policy.Code,
            EffectiveFrom = policy.EffectiveFrom,
            EffectiveTo = policy.EffectiveTo,
            SharedAnnualCap = policy.SharedAnnualCap.ToYuan(),
            InpatientLevelAdjustments = new LevelAdjustmentsDto
            {
                Primary = policy.InpatientLevelAdjustments.Primary.ToDecimal(),
                Secondary = policy.InpatientLevelAdjustments.Secondary.ToDecimal(),
                Tertiary = policy.InpatientLevelAdjustments.Tertiary.ToDecimal(),
            },
            Temporary = new TemporaryRuleDto
            {
                Threshold = policy.Temporary.Threshold.ToYuan(),
                Ratio = policy.Temporary.Ratio.ToDecimal(),
                PerEventLimit = policy.Temporary.PerEventLimit.ToYuan(),
                AnnualCap = policy.Temporary.AnnualCap.ToYuan(),
            },
            Charity = new CharityRuleDto
            {
                Threshold = policy.Charity.Threshold.ToYuan(),
                Ratio = policy.Charity.Ratio.ToDecimal(),
                PerCaseCap = policy.Charity.PerCaseCap.ToYuan(),
            },
            Categories = policy.Categories.Select(rule => new CategoryRuleDto
            {
                Category = rule.Category,
                PremiumSubsidy = rule.PremiumSubsidy.ToYuan(),
                Outpatient = ToDto(rule.Outpatient),
                Inpatient = ToDto(rule.Inpatient),
                TemporaryEligible = rule.TemporaryEligible,
                CharityEligible = rule.CharityEligible,
            }).ToArray(),
        };
    }

    /// <summary>The engine's policy, or every field whose value cannot be represented exactly.</summary>
    public static PolicyVersion? ToEngine(PolicyVersionDto dto, Dictionary<string, string[]> errors)
    {
        ArgumentNullException.ThrowIfNull(dto);
        ArgumentNullException.ThrowIfNull(errors);
        Money Amount(decimal yuan, string field)
        {
            if (Money.TryFromYuan(yuan, out var money))
            {
                return money;
            }

            errors[field] = ["An amount in yuan has at most two decimals."];
            return Money.Zero;
        }

        Ratio Fraction(decimal value, string field)
        {
            if (Ratio.TryFromDecimal(value, out var ratio))
            {
                return ratio;
            }

            errors[field] = ["A ratio is a fraction with at most four decimals (0.75)."];
            return Ratio.Zero;
        }

        MedicalAssistanceRule Medical(MedicalAssistanceRuleDto rule, string field) => new(
            Amount(rule.Deductible, $"{field}.deductible"),
            Fraction(rule.Ratio, $"{field}.ratio"),
            Amount(rule.AnnualCap, $"{field}.annualCap"));

        // JSON null is refused for the DTOs' own properties, but a list may still hold a null element.
        var rules = (dto.Categories ?? []).Select((rule, i) => (Rule: rule, Index: i)).ToList();
        foreach (var (_, i) in rules.Where(entry => entry.Rule is null))
        {
            errors[$"categories[{i}]"] = ["A category rule, not null."];
        }

        var categories = rules.Where(entry => entry.Rule is not null).Select(entry => new CategoryRule(
            entry.Rule.Category?.Trim() ?? "",
            Amount(entry.Rule.PremiumSubsidy, $"categories[{entry.Index}].premiumSubsidy"),
            Medical(entry.Rule.Outpatient, $"categories[{entry.Index}].outpatient"),
            Medical(entry.Rule.Inpatient, $"categories[{entry.Index}].inpatient"),
            entry.Rule.TemporaryEligible,
            entry.Rule.CharityEligible)).ToArray();

        var policy = new PolicyVersion(
            Code: dto.Code?.Trim() ?? "",
            EffectiveFrom: dto.EffectiveFrom,
            EffectiveTo: dto.EffectiveTo,
            SharedAnnualCap: Amount(dto.SharedAnnualCap, "sharedAnnualCap"),
            InpatientLevelAdjustments: new HospitalLevelAdjustments(
                Fraction(dto.InpatientLevelAdjustments.Primary, "inpatientLevelAdjustments.primary"),
                Fraction(dto.InpatientLevelAdjustments.Secondary, "inpatientLevelAdjustments.secondary"),
                Fraction(dto.InpatientLevelAdjustments.Tertiary, "inpatientLevelAdjustments.tertiary")),
            Temporary: new TemporaryRule(
                Amount(dto.Temporary.Threshold, "temporary.threshold"),
                Fraction(dto.Temporary.Ratio, "temporary.ratio"),
                Amount(dto.Temporary.PerEventLimit, "temporary.perEventLimit"),
                Amount(dto.Temporary.AnnualCap, "temporary.annualCap")),
            Charity: new CharityRule(
                Amount(dto.Charity.Threshold, "charity.threshold"),
                Fraction(dto.Charity.Ratio, "charity.ratio"),
                Amount(dto.Charity.PerCaseCap, "charity.perCaseCap")),
            Categories: categories);
        return errors.Count == 0 ? policy : null;
    }

    private static MedicalAssistanceRuleDto ToDto(MedicalAssistanceRule rule) => new()
    {
        Deductible = rule.Deductible.ToYuan(),
        Ratio = rule.Ratio.ToDecimal(),
        AnnualCap = rule.AnnualCap.ToYuan(),
    };
}
