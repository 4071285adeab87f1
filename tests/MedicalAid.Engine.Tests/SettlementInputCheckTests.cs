using static MedicalAid.Engine.Tests.TestData;

namespace MedicalAid.Engine.Tests;

/// <summary>What the calculator refuses before it computes anything: each figure that must not be negative, on its own.</summary>
public sealed class SettlementInputCheckTests
{
    private static readonly Bill SmallBill = Bill(100, 100, 0);

    public static TheoryData<string> UsageFields { get; } =
        ["insuranceSubsidy", "outpatientDeductible", "inpatientDeductible", "outpatient", "inpatient", "temporary", "charity"];

    public static TheoryData<string> FundFields { get; } = ["insuranceSubsidy", "outpatient", "inpatient", "temporary", "charity"];

    [Theory]
    [MemberData(nameof(UsageFields))]
    public void Settle_WhenOneUsageFigureIsNegative_ThrowsSayingUsageMustNotBeNegative(string field)
    {
        var used = field switch
        {
            "insuranceSubsidy" => Usage(subsidy: -0.01m),
            "outpatientDeductible" => Usage(outpatientDeductible: -0.01m),
            "inpatientDeductible" => Usage(inpatientDeductible: -0.01m),
            "outpatient" => Usage(outpatient: -0.01m),
            "inpatient" => Usage(inpatient: -0.01m),
            "temporary" => Usage(temporary: -0.01m),
            _ => Usage(charity: -0.01m),
        };

        var exception = Assert.Throws<InvalidSettlementInputException>(() => SettlementCalculator.Calculate(
            Input(DemoPolicy.MinimumLiving, VisitType.Inpatient, HospitalLevel.Secondary, SmallBill, used)));

        Assert.Equal("Usage so far this year must not be negative.", exception.Message);
    }

    [Theory]
    [MemberData(nameof(FundFields))]
    public void Settle_WhenOneFundBalanceIsNegative_ThrowsSayingABalanceMustNotBeNegative(string field)
    {
        var funds = field switch
        {
            "insuranceSubsidy" => Funds(subsidy: -0.01m),
            "outpatient" => Funds(outpatient: -0.01m),
            "inpatient" => Funds(inpatient: -0.01m),
            "temporary" => Funds(temporary: -0.01m),
            _ => Funds(charity: -0.01m),
        };

        var exception = Assert.Throws<InvalidSettlementInputException>(() => SettlementCalculator.Calculate(
            Input(DemoPolicy.MinimumLiving, VisitType.Inpatient, HospitalLevel.Secondary, SmallBill, funds: funds)));

        Assert.Equal("A fund balance must not be negative.", exception.Message);
    }

    [Fact]
    public void Settle_WhenBillBreaksTwoRules_NamesEachFieldWithItsProblem()
    {
        var bill = new Bill(Y(100), Y(200), Y(300), Money.Zero, Money.Zero);

        var exception = Assert.Throws<InvalidSettlementInputException>(() => SettlementCalculator.Calculate(
            Input(DemoPolicy.MinimumLiving, VisitType.Inpatient, HospitalLevel.Secondary, bill)));

        Assert.Equal(
            "PolicyScope: The policy-scope cost must not exceed the total cost. "
            + "InsurancePaid: Insurance paid (basic + critical-illness + other) must not exceed the policy-scope cost.",
            exception.Message);
    }

    [Fact]
    public void Settle_WhenInputIsNull_ThrowsArgumentNull()
    {
        Assert.Throws<ArgumentNullException>("input", () => SettlementCalculator.Calculate(null!));
    }
}
