using static MedicalAid.Engine.Tests.TestData;

namespace MedicalAid.Engine.Tests;

public sealed class SettlementCalculatorTests
{
    [Fact]
    public void Settle_WhenDeductibleSpansSeveralSettlements_AppliesEachPartOnceAndThenPaysInFull()
    {
        // Illness-poverty inpatient at a secondary hospital: deductible 10,000.00, ratio 60%.
        // Between settlements the usage grows by each result's UsageChange and the funds shrink by its FundDebits.
        var used = YearUsage.None;
        var funds = DemoPolicy.OpeningFundBalances;

        // 1: O = 5,000 − 1,000 = 4,000, all of it deductible (4,000 of 10,000) → 0.
        //    R1 = 4,000 → 2,000 → 500. R2 = 3,500 → 1,050. P = 2,450.
        var first = Settle(Bill(5_000, 5_000, 1_000));
        Assert.Equal(Money.Zero, first[Channel.Inpatient].Amount);
        Assert.Equal([ReasonCode.DeductibleApplied], first[Channel.Inpatient].Reasons);
        Assert.Equal(Y(4_000), first.UsageChange.InpatientDeductible);
        Assert.Equal(Y(1_050), first[Channel.Charity].Amount);
        Assert.Equal(Y(2_450), first.PatientPays);

        // 2: O = 7,000 − 2,000 = 5,000, all deductible (9,000 of 10,000 used after) → 0.
        //    R1 = 6,000 → 500 (temporary used 1,000 after). R2 = 5,500 → 1,650. P = 3,850.
        var second = Settle(Bill(8_000, 7_000, 2_000));
        Assert.Equal(Money.Zero, second[Channel.Inpatient].Amount);
        Assert.Equal([ReasonCode.DeductibleApplied], second[Channel.Inpatient].Reasons);
        Assert.Equal(Y(5_000), second.UsageChange.InpatientDeductible);
        Assert.Equal(Y(1_650), second[Channel.Charity].Amount);
        Assert.Equal(Y(3_850), second.PatientPays);

        // 3: O = 4,000; only 1,000 of the deductible is left → d = 1,000; 60% of 3,000 → 1,800.
        //    R1 = 6,000 − 2,000 − 1,800 = 2,200 → 500. R2 = 1,700 < 2,000. P = 1,700.
        var third = Settle(Bill(6_000, 6_000, 2_000));
        Assert.Equal(Y(1_800), third[Channel.Inpatient].Amount);
        Assert.Equal([ReasonCode.DeductibleApplied], third[Channel.Inpatient].Reasons);
        Assert.Equal(Y(1_000), third.UsageChange.InpatientDeductible);
        Assert.Equal([ReasonCode.BelowThreshold], third[Channel.Charity].Reasons);
        Assert.Equal(Y(1_700), third.PatientPays);

        // 4: deductible used up → d = 0; 60% of 3,000 → 1,800, no DeductibleApplied.
        //    R1 = 3,000 − 0 − 1,800 = 1,200 → 600 → 500 (temporary used 1,500 before, 2,000 after). R2 = 700. P = 700.
        var fourth = Settle(Bill(3_000, 3_000, 0));
        Assert.Equal(Y(1_800), fourth[Channel.Inpatient].Amount);
        Assert.Empty(fourth[Channel.Inpatient].Reasons);
        Assert.Equal(Money.Zero, fourth.UsageChange.InpatientDeductible);
        Assert.Equal(Y(700), fourth.PatientPays);

        // 5 and 6: the same bill takes the temporary annual cap from 2,000 to 2,500 and then to 3,000 (exactly the cap);
        //    each time 600 is cut to 500 by the per-event limit.
        Assert.Equal(Y(500), Settle(Bill(3_000, 3_000, 0))[Channel.Temporary].Amount);
        var sixth = Settle(Bill(3_000, 3_000, 0));
        Assert.Equal(Y(500), sixth[Channel.Temporary].Amount);
        Assert.Equal([ReasonCode.CapReached], sixth[Channel.Temporary].Reasons);

        // 7: nothing of the temporary annual cap is left: 600 → 0. R2 = 1,200 < 2,000. P = 1,200.
        var seventh = Settle(Bill(3_000, 3_000, 0));
        Assert.Equal(Money.Zero, seventh[Channel.Temporary].Amount);
        Assert.Equal([ReasonCode.CapReached], seventh[Channel.Temporary].Reasons);
        Assert.Equal(Y(1_200), seventh.PatientPays);

        // Inpatient 1,800 × 5; temporary 500 × 6; charity 1,050 + 1,650.
        Assert.Equal(Usage(inpatientDeductible: 10_000, inpatient: 9_000, temporary: 3_000, charity: 2_700), used);
        Assert.Equal(DemoPolicy.OpeningFundBalances - new ChannelAmounts(Money.Zero, Money.Zero, Y(9_000), Y(3_000), Y(2_700)), funds);

        SettlementResult Settle(Bill bill)
        {
            var result = SettlementCalculator.Calculate(
                Input(DemoPolicy.IllnessPoverty, VisitType.Inpatient, HospitalLevel.Secondary, bill, used, funds));
            used += result.UsageChange;
            funds -= result.FundDebits;
            return result;
        }
    }

    [Fact]
    public void Settle_WhenSubsidyWasPaidByAnEarlierSettlement_SaysAlreadyPaidThisYear()
    {
        var first = SettlementCalculator.Calculate(
            Input(DemoPolicy.Orphan, VisitType.Outpatient, HospitalLevel.Primary, Bill(100, 100, 0)));
        var second = SettlementCalculator.Calculate(
            Input(DemoPolicy.Orphan, VisitType.Outpatient, HospitalLevel.Primary, Bill(100, 100, 0), first.UsageChange));

        Assert.Equal(Y(400), first[Channel.InsuranceSubsidy].Amount);
        Assert.Equal(Money.Zero, second[Channel.InsuranceSubsidy].Amount);
        Assert.Equal([ReasonCode.AlreadyPaidThisYear], second[Channel.InsuranceSubsidy].Reasons);
        Assert.Equal(Money.Zero, second.UsageChange.InsuranceSubsidy);
    }

    [Fact]
    public void Settle_OutpatientVisit_MarksInpatientNotApplicableAndUsesNoLevelAdjustment()
    {
        // Outpatient at a primary hospital: the +5 points apply to inpatient only, so 70% of 1,000 → 700.
        var result = SettlementCalculator.Calculate(
            Input(DemoPolicy.MinimumLiving, VisitType.Outpatient, HospitalLevel.Primary, Bill(1_000, 1_000, 0), Usage(subsidy: 200)));

        Assert.Equal(Y(700), result[Channel.Outpatient].Amount);
        Assert.Equal([ReasonCode.NotApplicableVisitType], result[Channel.Inpatient].Reasons);
        Assert.Empty(result[Channel.Inpatient].Trace);
        Assert.Equal(Y(700), result.UsageChange.Outpatient);
        Assert.Equal(Money.Zero, result.UsageChange.Inpatient);
    }

    [Fact]
    public void Settle_WhenCategoryIsUnknown_ThrowsUnknownCategoryException()
    {
        var input = Input("no-such-category", VisitType.Inpatient, HospitalLevel.Secondary, Bill(100, 100, 0));

        var exception = Assert.Throws<UnknownCategoryException>(() => SettlementCalculator.Calculate(input));

        Assert.Equal("demo", exception.PolicyCode);
        Assert.Equal("no-such-category", exception.Category);
    }

    [Theory]
    [InlineData("100", "200", "0")]      // S > T
    [InlineData("100", "100", "100.01")] // I > S
    [InlineData("-1", "0", "0")]         // negative T
    public void Settle_WhenBillIsUnsound_ThrowsInvalidSettlementInput(string total, string policyScope, string insurancePaid)
    {
        var bill = new Bill(Money.Parse(total), Money.Parse(policyScope), Money.Parse(insurancePaid), Money.Zero, Money.Zero);
        var input = Input(DemoPolicy.MinimumLiving, VisitType.Inpatient, HospitalLevel.Secondary, bill);

        Assert.False(bill.IsSound);
        Assert.NotEmpty(bill.Validate());
        Assert.Throws<InvalidSettlementInputException>(() => SettlementCalculator.Calculate(input));
    }

    [Fact]
    public void Settle_WhenUsageOrFundIsNegative_ThrowsInvalidSettlementInput()
    {
        var bill = Bill(100, 100, 0);

        Assert.Throws<InvalidSettlementInputException>(() => SettlementCalculator.Calculate(
            Input(DemoPolicy.MinimumLiving, VisitType.Inpatient, HospitalLevel.Secondary, bill, Usage(temporary: -0.01m))));
        Assert.Throws<InvalidSettlementInputException>(() => SettlementCalculator.Calculate(
            Input(DemoPolicy.MinimumLiving, VisitType.Inpatient, HospitalLevel.Secondary, bill, funds: Funds(charity: -0.01m))));
    }

    [Fact]
    public void Validate_WhenInsuranceExceedsPolicyScope_NamesTheInsuranceTotal()
    {
        var bill = new Bill(Y(100), Y(50), Y(30), Y(20), Y(0.01m));

        var problem = Assert.Single(bill.Validate());

        Assert.Equal(BillField.InsurancePaid, problem.Field);
    }
}
