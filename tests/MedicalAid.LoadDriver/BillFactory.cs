using MedicalAid.Contracts;

namespace MedicalAid.LoadDriver;

/// <summary>The demo data of docs/design.md §4 that a hospital-facing client needs.</summary>
internal static class DemoData
{
    /// <summary>API keys of the demo hospitals H001–H003.</summary>
    public static IReadOnlyList<string> HospitalApiKeys { get; } = ["demo-h001-key", "demo-h002-key", "demo-h003-key"];

    /// <summary>The eight active demo beneficiaries with their registered names (周德明 is inactive and left out).</summary>
    public static IReadOnlyList<PatientIdentity> ActiveBeneficiaries { get; } =
    [
        new() { IdNumber = "14010919550312001X", Name = "王建国" },
        new() { IdNumber = "140109196208150026", Name = "李秀英" },
        new() { IdNumber = "140109197001010039", Name = "张伟" },
        new() { IdNumber = "14010919881120004X", Name = "刘芳" },
        new() { IdNumber = "140109195010010058", Name = "陈志强" },
        new() { IdNumber = "140109199205060061", Name = "杨敏" },
        new() { IdNumber = "140109201503090074", Name = "赵小宇" },
        new() { IdNumber = "140109196609300080", Name = "黄丽华" },
    ];
}

/// <summary>
/// Realistic settlement requests for one worker, from its own seeded <see cref="Random"/>, for patients drawn uniformly
/// from <c>patients</c>; visit numbers are unique per run id, worker and counter. Amounts are drawn in whole
/// fen (cents), so every amount has exactly two decimals and policy scope ≤ total, basic insurance ≤ policy scope hold.
/// </summary>
internal sealed class BillFactory(int seed, double inpatientShare, string runId, int worker, IReadOnlyList<PatientIdentity> patients)
{
    private static readonly string[] InpatientDiagnoses = ["J18.9", "I63.9", "I50.9", "E11.9", "K80.2", "N18.5", "C34.9", "S72.0"];
    private static readonly string[] OutpatientDiagnoses = ["J06.9", "I10", "E11.9", "K29.7", "M54.5", "J20.9", "N18.5"];

#pragma warning disable CA5394 // Reproducible test data, not security: a seeded Random is the point.
    private readonly Random random = new(seed);
    private long counter;

    public SettlementRequest Next(DateOnly yesterday)
    {
        var number = ++counter;
        var patient = patients[random.Next(patients.Count)];
        var visitNumber = $"LD{runId}-{worker}-{number}";
        if (random.NextDouble() < inpatientShare)
        {
            var totalFen = random.NextInt64(3_000_00, 60_000_00 + 1);
            var amounts = Amounts(totalFen);
            return new SettlementRequest
            {
                VisitNumber = visitNumber,
                VisitType = VisitType.Inpatient,
                Patient = patient,
                AdmissionDate = yesterday.AddDays(-random.Next(2, 15)),
                DischargeDate = yesterday,
                DiagnosisCodes = [InpatientDiagnoses[random.Next(InpatientDiagnoses.Length)]],
                Amounts = amounts,
            };
        }
        else
        {
            var totalFen = random.NextInt64(100_00, 3_000_00 + 1);
            return new SettlementRequest
            {
                VisitNumber = visitNumber,
                VisitType = VisitType.Outpatient,
                Patient = patient,
                VisitDate = yesterday,
                DiagnosisCodes = [OutpatientDiagnoses[random.Next(OutpatientDiagnoses.Length)]],
                Amounts = Amounts(totalFen),
            };
        }
    }

    private BillAmounts Amounts(long totalFen)
    {
        var policyScopeFen = (long)Math.Round(totalFen * (0.80 + (0.15 * random.NextDouble())));
        var basicInsuranceFen = (long)Math.Round(policyScopeFen * (0.40 + (0.30 * random.NextDouble())));
        return new BillAmounts
        {
            Total = Yuan(totalFen),
            PolicyScope = Yuan(policyScopeFen),
            BasicInsurancePaid = Yuan(basicInsuranceFen),
            CriticalIllnessInsurancePaid = 0.00m,
            OtherInsurancePaid = 0.00m,
        };
    }
#pragma warning restore CA5394

    /// <summary>Fen to yuan with a scale of exactly two (12345 → 123.45, 300000 → 3000.00).</summary>
    private static decimal Yuan(long fen) => fen * 0.01m;
}
