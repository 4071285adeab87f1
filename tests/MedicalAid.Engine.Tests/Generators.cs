using CsCheck;

namespace MedicalAid.Engine.Tests;

/// <summary>CsCheck generators over the demo policy (docs/design.md §4). Amounts are generated in fen.</summary>
internal static class Generators
{
    private static readonly PolicyVersion Policy = DemoPolicy.Version;

    /// <summary>A money amount from 0 to <paramref name="maxFen"/>, biased towards small amounts, 0 and the maximum.</summary>
    public static Gen<Money> MoneyUpTo(long maxFen) =>
        Gen.Frequency(
            (1, Gen.Const(0L)),
            (1, Gen.Const(maxFen)),
            (3, Gen.Long[0, Math.Min(maxFen, 100_000)]),
            (5, Gen.Long[0, maxFen]))
        .Select(fen => new Money(fen));

    public static Gen<string> Category { get; } = Gen.OneOf([.. TestData.DemoCategoryCodes]);

    public static Gen<VisitType> VisitType { get; } = Gen.Enum<VisitType>();

    public static Gen<HospitalLevel> HospitalLevel { get; } = Gen.Enum<HospitalLevel>();

    /// <summary>A sound bill up to <paramref name="maxTotalFen"/>: T ≥ S ≥ I ≥ 0, with I split into basic, critical-illness and other.</summary>
    public static Gen<Bill> Bill(long maxTotalFen = 20_000_000) =>
        from total in MoneyUpTo(maxTotalFen)
        from scope in MoneyUpTo(total.Fen)
        from insurance in MoneyUpTo(scope.Fen)
        from basic in Gen.Long[0, insurance.Fen]
        from critical in Gen.Long[0, insurance.Fen - basic]
        select new Bill(total, scope, new Money(basic), new Money(critical), new Money(insurance.Fen - basic - critical));

    /// <summary>
    /// A year's usage that the demo policy could have produced for <paramref name="category"/>: within every cap and
    /// deductible, the premium subsidy either not yet paid or paid in full.
    /// </summary>
    public static Gen<YearUsage> UsageWithinCaps(string category)
    {
        var rule = Policy.RuleFor(category);
        return from subsidyPaid in Gen.Bool
               from outpatientDeductible in MoneyUpTo(rule.Outpatient.Deductible.Fen)
               from inpatientDeductible in MoneyUpTo(rule.Inpatient.Deductible.Fen)
               from outpatient in MoneyUpTo(rule.Outpatient.AnnualCap.Fen)
               from inpatient in MoneyUpTo(Math.Min(rule.Inpatient.AnnualCap.Fen, (Policy.SharedAnnualCap - outpatient).Fen))
               from temporary in MoneyUpTo(Policy.Temporary.AnnualCap.Fen)
               from charity in MoneyUpTo(10_000_000)
               select new YearUsage(
                   subsidyPaid ? rule.PremiumSubsidy : Money.Zero,
                   outpatientDeductible, inpatientDeductible, outpatient, inpatient, temporary, charity);
    }

    /// <summary>Any non-negative usage, including figures beyond every cap.</summary>
    public static Gen<YearUsage> AnyUsage { get; } =
        Gen.Select(
            MoneyUpTo(100_000), MoneyUpTo(2_000_000), MoneyUpTo(2_000_000), MoneyUpTo(1_000_000),
            MoneyUpTo(10_000_000), MoneyUpTo(400_000), MoneyUpTo(2_000_000),
            (subsidy, outpatientDeductible, inpatientDeductible, outpatient, inpatient, temporary, charity) =>
                new YearUsage(subsidy, outpatientDeductible, inpatientDeductible, outpatient, inpatient, temporary, charity));

    /// <summary>Fund balances from empty through small to the demo opening balances.</summary>
    public static Gen<ChannelAmounts> FundBalances { get; } =
        Gen.Select(
            Fund(DemoPolicy.OpeningFundBalances.InsuranceSubsidy),
            Fund(DemoPolicy.OpeningFundBalances.Outpatient),
            Fund(DemoPolicy.OpeningFundBalances.Inpatient),
            Fund(DemoPolicy.OpeningFundBalances.Temporary),
            Fund(DemoPolicy.OpeningFundBalances.Charity),
            (subsidy, outpatient, inpatient, temporary, charity) => new ChannelAmounts(subsidy, outpatient, inpatient, temporary, charity));

    /// <summary>One settlement's input over the demo policy, with any usage and any fund balances.</summary>
    public static Gen<SettlementInput> Input { get; } =
        from category in Category
        from visitType in VisitType
        from level in HospitalLevel
        from bill in Bill()
        from used in Gen.Frequency((1, AnyUsage), (1, UsageWithinCaps(DemoPolicy.IllnessPoverty)), (2, Gen.Const(YearUsage.None)))
        from funds in Gen.Frequency((1, FundBalances), (1, Gen.Const(DemoPolicy.OpeningFundBalances)))
        select new SettlementInput(visitType, level, bill, category, Policy, used, funds);

    /// <summary>One visit of a sequence: everything but the beneficiary's state.</summary>
    public static Gen<Visit> Visit { get; } =
        Gen.Select(VisitType, HospitalLevel, Bill(5_000_000), (visitType, level, bill) => new Visit(visitType, level, bill));

    /// <summary>One beneficiary's year: a category, usage so far, fund balances and 1 to 30 visits.</summary>
    public static Gen<Year> Year { get; } =
        from category in Category
        from used in UsageWithinCaps(category)
        from funds in FundBalances
        from visits in Visit.Array[1, 30]
        select new Year(category, used, funds, visits);

    private static Gen<Money> Fund(Money opening) =>
        Gen.Frequency(
            (1, Gen.Const(Money.Zero)),
            (2, Gen.Long[0, 200_000].Select(fen => new Money(fen))),
            (2, Gen.Long[0, opening.Fen].Select(fen => new Money(fen))),
            (1, Gen.Const(opening)));
}

internal sealed record Visit(VisitType VisitType, HospitalLevel HospitalLevel, Bill Bill);

internal sealed record Year(string Category, YearUsage Used, ChannelAmounts Funds, IReadOnlyList<Visit> Visits)
{
    public override string ToString() =>
        $"{Category}, used {Used}, funds {Funds}, visits [{string.Join("; ", Visits)}]";
}
