using static MedicalAid.Engine.Tests.TestData;

namespace MedicalAid.Engine.Tests;

public sealed class PolicyVersionTests
{
    private static readonly PolicyVersion Demo = DemoPolicy.Version;

    private static CategoryRule MinimumLiving => Demo.RuleFor(DemoPolicy.MinimumLiving);

    [Fact]
    public void Validate_DemoPolicy_IsValid()
    {
        Assert.Empty(Demo.Validate());
        Assert.Empty(Demo.Validate(new HashSet<string>(DemoCategoryCodes, StringComparer.Ordinal)));
        Assert.Equal(7, Demo.Categories.Count);
        Assert.Empty(ClampPolicy.Validate());
    }

    [Fact]
    public void DemoPolicy_MatchesDesignSection4()
    {
        Assert.Equal("demo", Demo.Code);
        Assert.Equal(new DateOnly(2024, 1, 1), Demo.EffectiveFrom);
        Assert.Null(Demo.EffectiveTo);
        Assert.True(Demo.IsInForceOn(new DateOnly(2024, 1, 1)));
        Assert.False(Demo.IsInForceOn(new DateOnly(2023, 12, 31)));
        Assert.Equal(Y(80_000), Demo.SharedAnnualCap);
        Assert.Equal(new Money(20_000), MinimumLiving.PremiumSubsidy);
        Assert.Equal(Y(4_000), Demo.RuleFor(DemoPolicy.LowIncomeMarginal).Inpatient.Deductible);
        Assert.Equal(Y(10_000), Demo.RuleFor(DemoPolicy.IllnessPoverty).Inpatient.Deductible);
        Assert.False(Demo.RuleFor(DemoPolicy.SpecialCare).CharityEligible);
        Assert.True(Demo.RuleFor(DemoPolicy.Orphan).CharityEligible);
        Assert.Equal(Y(500_000), DemoPolicy.OpeningFundBalances.InsuranceSubsidy);
        Assert.Equal(Y(3_000_000), DemoPolicy.OpeningFundBalances.Inpatient);
    }

    [Theory]
    [InlineData(-1)]
    [InlineData(10_001)]
    public void Validate_WhenCategoryRatioIsOutsideZeroAndOne_NamesTheField(int basisPoints)
    {
        var rule = MinimumLiving with { Outpatient = MinimumLiving.Outpatient with { Ratio = new Ratio(basisPoints) } };
        var policy = Demo with { Categories = [rule] };

        var problem = Assert.Single(policy.Validate());

        Assert.StartsWith("categories[minimum-living].outpatient.ratio:", problem, StringComparison.Ordinal);
    }

    [Fact]
    public void Validate_WhenTemporaryOrCharityRatioIsOutsideZeroAndOne_NamesTheField()
    {
        var policy = Demo with
        {
            Temporary = Demo.Temporary with { Ratio = new Ratio(-100) },
            Charity = Demo.Charity with { Ratio = new Ratio(10_100) },
        };

        var problems = policy.Validate();

        Assert.Equal(2, problems.Count);
        Assert.Contains(problems, problem => problem.StartsWith("temporary.ratio:", StringComparison.Ordinal));
        Assert.Contains(problems, problem => problem.StartsWith("charity.ratio:", StringComparison.Ordinal));
    }

    [Fact]
    public void Validate_WhenLevelAdjustmentIsOutsideMinusOneAndOne_NamesTheLevel()
    {
        var policy = Demo with { InpatientLevelAdjustments = Demo.InpatientLevelAdjustments with { Tertiary = new Ratio(-10_001) } };

        var problem = Assert.Single(policy.Validate());

        Assert.StartsWith("inpatientLevelAdjustments.Tertiary:", problem, StringComparison.Ordinal);
    }

    [Fact]
    public void Validate_WhenCapsAreNegative_NamesEachField()
    {
        var rule = MinimumLiving with
        {
            Inpatient = MinimumLiving.Inpatient with { AnnualCap = new Money(-1), Deductible = new Money(-1) },
            PremiumSubsidy = new Money(-1),
        };
        var policy = Demo with
        {
            SharedAnnualCap = new Money(-1),
            Temporary = Demo.Temporary with { PerEventLimit = new Money(-1), AnnualCap = new Money(-1), Threshold = new Money(-1) },
            Charity = Demo.Charity with { PerCaseCap = new Money(-1), Threshold = new Money(-1) },
            Categories = [rule],
        };

        var problems = policy.Validate();

        string[] fields =
        [
            "sharedAnnualCap", "temporary.threshold", "temporary.perEventLimit", "temporary.annualCap", "charity.threshold",
            "charity.perCaseCap", "categories[minimum-living].premiumSubsidy", "categories[minimum-living].inpatient.deductible",
            "categories[minimum-living].inpatient.annualCap",
        ];
        Assert.Equal(fields.Length, problems.Count);
        foreach (var field in fields)
        {
            Assert.Contains(problems, problem => problem.StartsWith(field + ": -0.01 must not be negative.", StringComparison.Ordinal));
        }
    }

    [Fact]
    public void Validate_WhenCategoryAppearsTwice_SaysSo()
    {
        var policy = Demo with { Categories = [MinimumLiving, MinimumLiving] };

        var problem = Assert.Single(policy.Validate());

        Assert.Equal("categories[minimum-living]: the category appears more than once.", problem);
    }

    [Fact]
    public void Validate_WhenEffectiveToIsBeforeEffectiveFrom_SaysSo()
    {
        var policy = Demo with { EffectiveTo = new DateOnly(2023, 12, 31) };

        var problem = Assert.Single(policy.Validate());

        Assert.Equal("effectiveTo: 2023-12-31 is before effectiveFrom 2024-01-01.", problem);
        Assert.Empty((Demo with { EffectiveTo = Demo.EffectiveFrom }).Validate());
    }

    [Fact]
    public void Validate_WhenCodeOrCategoriesAreMissing_SaysSo()
    {
        Assert.Single((Demo with { Code = " " }).Validate(), problem => problem.StartsWith("code:", StringComparison.Ordinal));
        Assert.Single((Demo with { Categories = [] }).Validate(), problem => problem.StartsWith("categories:", StringComparison.Ordinal));
        Assert.Single(
            (Demo with { Categories = [MinimumLiving with { Category = "" }] }).Validate(),
            problem => problem.StartsWith("categories:", StringComparison.Ordinal));
    }

    [Fact]
    public void Validate_WhenCategoryIsNotKnownToTheRegion_SaysSo()
    {
        var known = new HashSet<string>(DemoCategoryCodes.Where(code => code != DemoPolicy.Orphan), StringComparer.Ordinal);

        var problem = Assert.Single(Demo.Validate(known));

        Assert.Equal("categories[orphan]: unknown category.", problem);
    }

    [Fact]
    public void RuleFor_WhenCategoryIsUnknown_ThrowsUnknownCategoryException()
    {
        var exception = Assert.Throws<UnknownCategoryException>(() => Demo.RuleFor("refugee"));

        Assert.Equal("demo", exception.PolicyCode);
        Assert.Equal("refugee", exception.Category);
        Assert.Null(Demo.FindCategory("refugee"));
        Assert.Same(Demo.Categories[0], Demo.RuleFor(DemoPolicy.ExtremePoverty));
    }

    [Fact]
    public void IsInForceOn_WhenVersionHasAnEnd_IncludesTheLastDayAndNotTheNext()
    {
        var ended = Demo with { EffectiveTo = new DateOnly(2024, 12, 31) };

        Assert.True(ended.IsInForceOn(new DateOnly(2024, 12, 30)));
        Assert.True(ended.IsInForceOn(new DateOnly(2024, 12, 31)));
        Assert.False(ended.IsInForceOn(new DateOnly(2025, 1, 1)));
        Assert.False(ended.IsInForceOn(new DateOnly(2023, 12, 31)));
    }

    [Fact]
    public void Validate_WhenLevelAdjustmentIsExactlyPlusOrMinusOne_IsValid()
    {
        var policy = Demo with
        {
            InpatientLevelAdjustments = new HospitalLevelAdjustments(Ratio.One, Ratio.Zero, new Ratio(-Ratio.BasisPointsPerWhole)),
        };

        Assert.Empty(policy.Validate());
    }

    [Fact]
    public void LevelAdjustmentFor_WhenLevelIsUnknown_ThrowsNamingIt()
    {
        var exception = Assert.Throws<ArgumentOutOfRangeException>(() => Demo.InpatientLevelAdjustments.For((HospitalLevel)3));

        Assert.Equal("level", exception.ParamName);
        Assert.StartsWith("Unknown hospital level.", exception.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ValidateAgainstKnownCategories_WhenSetIsNull_ThrowsArgumentNull()
    {
        Assert.Throws<ArgumentNullException>("knownCategories", () => Demo.Validate(knownCategories: null!));
    }

    [Fact]
    public void UnknownCategoryException_NamesPolicyAndCategory()
    {
        var exception = Assert.Throws<UnknownCategoryException>(() => Demo.RuleFor("refugee"));

        Assert.Equal("Policy version 'demo' has no rule for category 'refugee'.", exception.Message);
    }

    [Fact]
    public void DemoPolicy_CategoriesAndTheirNames_MatchDesignSection2()
    {
        Assert.Equal(
            [
                ("extreme-poverty", "特困人员"),
                ("minimum-living", "低保对象"),
                ("low-income-marginal", "低保边缘"),
                ("special-care", "重点优抚对象"),
                ("heroic-act", "见义勇为者"),
                ("orphan", "孤儿"),
                ("illness-poverty", "因病致贫重病患者"),
            ],
            DemoPolicy.Categories);
        // docs/design.md §4: temporary assistance is open to every category.
        Assert.All(Demo.Categories, rule => Assert.True(rule.TemporaryEligible));
    }
}
