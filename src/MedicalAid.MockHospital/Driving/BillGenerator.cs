using MedicalAid.Contracts;
using MedicalAid.Engine;
using VisitType = MedicalAid.Contracts.VisitType;

namespace MedicalAid.MockHospital.Driving;

/// <summary>
/// Realistic discharge bills from a seeded <see cref="Random"/>: most stays are modest and a few are expensive, policy scope
/// is most of the bill, basic insurance pays about half to three quarters of it, and critical-illness insurance joins in on
/// the large ones. Amounts are drawn in whole fen, so every amount has two decimals and I ≤ S ≤ T always holds.
/// </summary>
internal sealed class BillGenerator(Random random)
{
    private static readonly string[] InpatientDiagnoses = ["J18.9", "I63.9", "I50.9", "E11.9", "K80.2", "N18.5", "C34.9", "S72.0", "I21.9", "J44.1", "K35.8", "O80"];
    private static readonly string[] OutpatientDiagnoses = ["J06.9", "I10", "E11.9", "K29.7", "M54.5", "J20.9", "N18.5", "E78.5", "F32.9"];

    /// <summary>Critical-illness insurance (大病保险) pays part of the in-scope cost that basic insurance leaves above this.</summary>
    private static readonly Money CriticalIllnessThreshold = Money.FromYuan(15_000);

#pragma warning disable CA5394 // Reproducible test data, not security: a seeded Random is the point.
    public SettlementRequest Inpatient(string visitNumber, PatientIdentity patient, DateOnly dischargeDate)
    {
        // Skewed towards the low end: u² puts most stays near 3,000–15,000 yuan and a few towards 120,000.
        var total = Skewed(Money.FromYuan(3_000), Money.FromYuan(120_000));
        var lengthOfStay = Math.Clamp((int)(total.Fen / 1_500_00) + random.Next(1, 5), 2, 30);
        var policyScope = Share(total, 80, 95);
        var basicInsurance = Share(policyScope, 50, 75);
        var criticalIllness = Money.Zero;
        if (policyScope - basicInsurance > CriticalIllnessThreshold)
        {
            criticalIllness = Share(policyScope - basicInsurance - CriticalIllnessThreshold, 50, 60);
        }

        var otherInsurance = random.Next(100) < 5 ? Share(policyScope - basicInsurance - criticalIllness, 0, 10) : Money.Zero;
        return new SettlementRequest
        {
            VisitNumber = visitNumber,
            VisitType = VisitType.Inpatient,
            Patient = patient,
            AdmissionDate = dischargeDate.AddDays(-lengthOfStay),
            DischargeDate = dischargeDate,
            DiagnosisCodes = Diagnoses(InpatientDiagnoses, maxCount: 3),
            Amounts = Amounts(total, policyScope, basicInsurance, criticalIllness, otherInsurance),
        };
    }

    public SettlementRequest Outpatient(string visitNumber, PatientIdentity patient, DateOnly visitDate)
    {
        // Chronic and special-disease outpatient visits: 80–3,000 yuan, nearly all of it in scope.
        var total = Skewed(Money.FromYuan(80), Money.FromYuan(3_000));
        var policyScope = Share(total, 85, 100);
        var basicInsurance = Share(policyScope, 40, 60);
        return new SettlementRequest
        {
            VisitNumber = visitNumber,
            VisitType = VisitType.Outpatient,
            Patient = patient,
            VisitDate = visitDate,
            DiagnosisCodes = Diagnoses(OutpatientDiagnoses, maxCount: 2),
            Amounts = Amounts(total, policyScope, basicInsurance, Money.Zero, Money.Zero),
        };
    }

    /// <summary>A random share of <paramref name="of"/> between the two percentages, in whole fen (integer arithmetic only).</summary>
    private Money Share(Money of, int lowPercent, int highPercent) =>
        new Ratio(random.Next(lowPercent * 100, (highPercent * 100) + 1)).Of(of);

    /// <summary>An amount from <paramref name="low"/> to <paramref name="high"/>, most of them near the low end (u² with u uniform).</summary>
    private Money Skewed(Money low, Money high)
    {
        const long Steps = 10_000;
        var u = random.NextInt64(Steps + 1);
        return low + new Money((high - low).Fen * u * u / (Steps * Steps));
    }

    private string[] Diagnoses(string[] codes, int maxCount) =>
        codes.OrderBy(_ => random.Next()).Take(random.Next(1, maxCount + 1)).ToArray();
#pragma warning restore CA5394

    private static BillAmounts Amounts(Money total, Money policyScope, Money basicInsurance, Money criticalIllness, Money otherInsurance) => new()
    {
        Total = total.ToYuan(),
        PolicyScope = policyScope.ToYuan(),
        BasicInsurancePaid = basicInsurance.ToYuan(),
        CriticalIllnessInsurancePaid = criticalIllness.ToYuan(),
        OtherInsurancePaid = otherInsurance.ToYuan(),
    };
}
