using static MedicalAid.Engine.ReasonCode;
using static MedicalAid.Engine.Tests.TestData;

namespace MedicalAid.Engine.Tests;

/// <summary>
/// docs/design.md §3 step 2 takes the deductible, the type cap and the usage "of that type's rule". The demo categories have no
/// outpatient deductible and an inpatient cap equal to the shared cap, so these cases use <see cref="OwnDeductiblesPolicy"/>
/// (outpatient deductible 100.00, inpatient deductible 1,000.00, inpatient cap 10,000.00, both ratios 50%).
/// </summary>
public sealed class SettlementVisitTypeRuleTests
{
    [Fact]
    public void Settle_OutpatientWithItsOwnDeductible_RecordsItAsOutpatientDeductibleOnly()
    {
        // O = 300; d = min(300, 100 − 0) = 100; 50% of 200 → 100. P = 300 − 100 = 200.
        var result = Settle(VisitType.Outpatient, Bill(300, 300, 0), YearUsage.None);

        Assert.Equal(Y(100), result[Channel.Outpatient].Amount);
        Assert.Equal([DeductibleApplied], result[Channel.Outpatient].Reasons);
        Assert.Equal(Usage(outpatientDeductible: 100, outpatient: 100), result.UsageChange);
        Assert.Equal(Y(200), result.PatientPays);
    }

    [Fact]
    public void Settle_OutpatientAfterItsDeductibleIsUsedUp_AppliesNoneThoughTheInpatientOneIsUnused()
    {
        // Outpatient deductible 100 of 100 used, inpatient 0 of 1,000: d = 0; 50% of 300 → 150. P = 150.
        var result = Settle(VisitType.Outpatient, Bill(300, 300, 0), Usage(outpatientDeductible: 100));

        Assert.Equal(Y(150), result[Channel.Outpatient].Amount);
        Assert.Empty(result[Channel.Outpatient].Reasons);
        Assert.Equal(Usage(outpatient: 150), result.UsageChange);
        Assert.Equal(Y(150), result.PatientPays);
    }

    [Fact]
    public void Settle_InpatientAfterTheOutpatientDeductibleIsUsedUp_StillAppliesTheInpatientDeductible()
    {
        // O = 3,000; d = min(3,000, 1,000 − 0) = 1,000; 50% of 2,000 → 1,000. P = 3,000 − 1,000 = 2,000.
        var result = Settle(VisitType.Inpatient, Bill(3_000, 3_000, 0), Usage(outpatientDeductible: 100));

        Assert.Equal(Y(1_000), result[Channel.Inpatient].Amount);
        Assert.Equal([DeductibleApplied], result[Channel.Inpatient].Reasons);
        Assert.Equal(Usage(inpatientDeductible: 1_000, inpatient: 1_000), result.UsageChange);
        Assert.Equal(Y(2_000), result.PatientPays);
    }

    [Fact]
    public void Settle_WhenInpatientCapIsTighterThanTheSharedCap_StopsAtWhatIsLeftOfTheInpatientCap()
    {
        // Deductible used up; O = 2,000 → 50% = 1,000. Inpatient cap left 10,000 − 9,500 = 500 (outpatient's 300 does not
        // count against it); shared cap left 80,000 − 9,800 = 70,200. A = 500, cut by the cap. P = 2,000 − 500 = 1,500.
        var result = Settle(
            VisitType.Inpatient, Bill(2_000, 2_000, 0), Usage(inpatientDeductible: 1_000, outpatient: 300, inpatient: 9_500));

        Assert.Equal(Y(500), result[Channel.Inpatient].Amount);
        Assert.Equal([CapReached], result[Channel.Inpatient].Reasons);
        Assert.Contains(TraceFigure.Of("typeCapLeft", Y(500)), result[Channel.Inpatient].Trace);
        Assert.Contains(TraceFigure.Of("sharedAnnualCapLeft", Y(70_200)), result[Channel.Inpatient].Trace);
        Assert.Equal(Y(1_500), result.PatientPays);
    }

    private static SettlementResult Settle(VisitType visitType, Bill bill, YearUsage used) =>
        SettlementCalculator.Calculate(
            Input(OwnDeductibles, visitType, HospitalLevel.Secondary, bill, used, policy: OwnDeductiblesPolicy));
}
