using MedicalAid.Contracts;
using MedicalAid.Contracts.Admin;

namespace MedicalAid.Reliability.Tests.Infrastructure;

/// <summary>The demo hospitals (docs/design.md §4) as hospital billing systems.</summary>
public static class Hospitals
{
    public static IReadOnlyList<string> ApiKeys { get; } = ["demo-h001-key", "demo-h002-key", "demo-h003-key"];

    public static IReadOnlyDictionary<string, string> CodeOfKey { get; } = new Dictionary<string, string>(StringComparer.Ordinal)
    {
        ["demo-h001-key"] = "H001",
        ["demo-h002-key"] = "H002",
        ["demo-h003-key"] = "H003",
    };
}

/// <summary>The demo policy's categories and limits (docs/design.md §4), in fen.</summary>
public static class DemoLimits
{
    public const string ExtremePoverty = "extreme-poverty";
    public const string MinimumLiving = "minimum-living";
    public const string LowIncomeMarginal = "low-income-marginal";
    public const string SpecialCare = "special-care";
    public const string HeroicAct = "heroic-act";
    public const string Orphan = "orphan";
    public const string IllnessPoverty = "illness-poverty";

    public const long SharedAnnualCap = 8_000_000;
    public const long OutpatientAnnualCap = 400_000;
    public const long InpatientAnnualCap = 8_000_000;
    public const long TemporaryAnnualCap = 300_000;

    public static IReadOnlyList<string> Categories { get; } =
        [ExtremePoverty, MinimumLiving, LowIncomeMarginal, SpecialCare, HeroicAct, Orphan, IllnessPoverty];

    public static IReadOnlyDictionary<string, long> PremiumSubsidy { get; } = new Dictionary<string, long>(StringComparer.Ordinal)
    {
        [ExtremePoverty] = 40_000,
        [MinimumLiving] = 20_000,
        [Orphan] = 40_000,
    };
}

/// <summary>Beneficiaries registered through the staff API, each with a valid GB 11643 ID number.</summary>
public static class Population
{
    private static int next;

    public static async Task<IReadOnlyList<PatientIdentity>> RegisterAsync(
        ApiClient api, Uri server, int count, Func<int, string> category, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(api);
        ArgumentNullException.ThrowIfNull(category);
        var patients = new PatientIdentity[count];
        await Parallel.ForEachAsync(Enumerable.Range(0, count), new ParallelOptions { MaxDegreeOfParallelism = 4, CancellationToken = cancellationToken }, async (i, ct) =>
        {
            var number = Interlocked.Increment(ref next);
            var birthDate = new DateOnly(1945, 1, 1).AddDays(number * 13);
            var first17 = $"140109{birthDate:yyyyMMdd}{100 + (number % 900):D3}";
            var idNumber = first17 + CheckCharacter(first17);
            var name = $"可靠{number}";
            await api.CreateBeneficiaryAsync(server, new CreateBeneficiaryRequest
            {
                IdNumber = idNumber,
                Name = name,
                Category = category(i),
                EffectiveFrom = new DateOnly(2020, 1, 1),
            }, ct);
            patients[i] = new PatientIdentity { IdNumber = idNumber, Name = name };
        });
        return patients;
    }

    /// <summary>GB 11643: ISO 7064 MOD 11-2 over the first 17 digits.</summary>
    public static char CheckCharacter(string first17)
    {
        int[] weights = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
        var sum = 0;
        for (var i = 0; i < 17; i++)
        {
            sum += (first17[i] - '0') * weights[i];
        }

        return "10X98765432"[sum % 11];
    }
}

/// <summary>Hospital bills in whole fen, sent as yuan with two decimals.</summary>
public static class Bills
{
    /// <summary>Today in Asia/Shanghai (UTC+8 all year), the API's default service time zone.</summary>
    public static DateOnly ShanghaiToday => DateOnly.FromDateTime(DateTime.UtcNow.AddHours(8));

    public static SettlementRequest Random(Random random, PatientIdentity patient, DateOnly serviceDate)
    {
        ArgumentNullException.ThrowIfNull(random);
        var inpatient = random.Next(2) == 0;
        var total = inpatient ? random.NextInt64(50_000, 3_000_000) : random.NextInt64(5_000, 200_000);
        var scope = total * random.Next(70, 101) / 100;
        var insurance = scope * random.Next(20, 75) / 100;
        return inpatient
            ? Inpatient(patient, total, scope, insurance, serviceDate, $"ZY{Guid.NewGuid():N}"[..24])
            : Outpatient(patient, total, scope, insurance, serviceDate, $"MZ{Guid.NewGuid():N}"[..24]);
    }

    public static SettlementRequest Inpatient(PatientIdentity patient, long totalFen, long scopeFen, long basicFen, DateOnly dischargeDate, string? visitNumber = null) => new()
    {
        VisitNumber = visitNumber ?? $"ZY{Guid.NewGuid():N}"[..24],
        VisitType = VisitType.Inpatient,
        Patient = patient,
        AdmissionDate = dischargeDate.AddDays(-6),
        DischargeDate = dischargeDate,
        DiagnosisCodes = ["J18.9"],
        Amounts = new BillAmounts { Total = Yuan(totalFen), PolicyScope = Yuan(scopeFen), BasicInsurancePaid = Yuan(basicFen) },
    };

    public static SettlementRequest Outpatient(PatientIdentity patient, long totalFen, long scopeFen, long basicFen, DateOnly visitDate, string? visitNumber = null) => new()
    {
        VisitNumber = visitNumber ?? $"MZ{Guid.NewGuid():N}"[..24],
        VisitType = VisitType.Outpatient,
        Patient = patient,
        VisitDate = visitDate,
        DiagnosisCodes = ["E11.9"],
        Amounts = new BillAmounts { Total = Yuan(totalFen), PolicyScope = Yuan(scopeFen), BasicInsurancePaid = Yuan(basicFen) },
    };

    public static decimal Yuan(long fen) => fen / 100m;

    public static long Fen(decimal yuan) => decimal.ToInt64(yuan * 100m) is var fen && fen == yuan * 100m
        ? fen
        : throw new InvalidOperationException($"{yuan} is not a whole number of fen.");
}
