using System.Globalization;
using MedicalAid.Client;
using MedicalAid.Contracts;

namespace MedicalAid.MockHospital.Driving;

/// <summary>A hospital the driver acts for: its code and API key.</summary>
internal sealed record HospitalAccount(string Code, string ApiKey)
{
    /// <summary>The demo hospitals H001–H003 of docs/design.md §4.</summary>
    public static IReadOnlyList<HospitalAccount> Demo { get; } =
    [
        new("H001", "demo-h001-key"),
        new("H002", "demo-h002-key"),
        new("H003", "demo-h003-key"),
    ];

    /// <summary>A demo hospital's callback secret, as the API's demo data publishes it.</summary>
    public static string DemoCallbackSecret(string code) => $"demo-{code.ToLowerInvariant()}-callback-secret";
}

/// <summary>What a drive does; the same options (seed and run id included) give the same plan.</summary>
internal sealed record DriveOptions
{
    public required IReadOnlyList<HospitalAccount> Hospitals { get; init; }

    /// <summary>Discharges to settle, over all hospitals.</summary>
    public int Count { get; init; } = 100;

    /// <summary>Discharges started per second, over all hospitals; 0 starts them as fast as <see cref="Concurrency"/> allows.</summary>
    public double Rate { get; init; }

    public int Concurrency { get; init; } = 4;

    public decimal InpatientShare { get; init; } = 0.4m;

    /// <summary>Share of settlements sent a second time with the same Idempotency-Key, expecting the original back.</summary>
    public decimal RetryShare { get; init; } = 0.1m;

    /// <summary>Share of settlements reversed (撤销) right after they are made.</summary>
    public decimal ReversalShare { get; init; } = 0.05m;

    public int Seed { get; init; } = 1;

    /// <summary>The discharge or visit date of every bill.</summary>
    public required DateOnly ServiceDate { get; init; }

    /// <summary>Part of every visit number, so that runs against one database do not collide.</summary>
    public required string RunId { get; init; }

    /// <summary>How many people to generate and register through the staff API; 0 discharges the demo beneficiaries.</summary>
    public int PopulationSize { get; init; }

    /// <summary>A bearer token of role operator (or admin), needed to register a generated population.</summary>
    public string? StaffToken { get; init; }

    /// <summary>Where the scheme's days begin and end, as configured in the API.</summary>
    public TimeZoneInfo TimeZone { get; init; } = TimeZoneInfo.FindSystemTimeZoneById("Asia/Shanghai");
}

/// <summary>One discharge to settle, and what to do with it afterwards.</summary>
internal sealed record PlannedVisit(int Number, string HospitalCode, SettlementRequest Request, bool Resend, bool Reverse)
{
    public string IdempotencyKey => MedicalAidClientSetup.IdempotencyKeyFor(HospitalCode, Request.VisitNumber);

    public string ReversalKey => $"{HospitalCode}:{Request.VisitNumber}:reversal";
}

internal static class DischargePlanner
{
    /// <summary>
    /// The visits of a drive in the order they start: each picks a hospital, a patient, outpatient or inpatient, a bill, and
    /// whether it is resent and reversed, all from one <see cref="Random"/> seeded with <see cref="DriveOptions.Seed"/>.
    /// Visit numbers count per hospital: ZY (住院) for stays, MZ (门诊) for outpatient visits.
    /// </summary>
    public static IReadOnlyList<PlannedVisit> Plan(DriveOptions options, IReadOnlyList<Patient> patients)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(patients);
        if (options.Hospitals.Count == 0 || patients.Count == 0)
        {
            throw new ArgumentException("A plan needs at least one hospital and one patient.");
        }

#pragma warning disable CA5394 // Reproducible test data, not security: a seeded Random is the point.
        var random = new Random(options.Seed);
        var bills = new BillGenerator(random);
        var visitsPerHospital = new int[options.Hospitals.Count];
        var date = options.ServiceDate.ToString("yyyyMMdd", CultureInfo.InvariantCulture);
        var plan = new List<PlannedVisit>(options.Count);
        for (var number = 1; number <= options.Count; number++)
        {
            var hospital = random.Next(options.Hospitals.Count);
            var sequence = ++visitsPerHospital[hospital];
            var patient = patients[random.Next(patients.Count)].Identity;
            var request = Chance(options.InpatientShare)
                ? bills.Inpatient($"ZY{date}{options.RunId}{sequence:D5}", patient, options.ServiceDate)
                : bills.Outpatient($"MZ{date}{options.RunId}{sequence:D5}", patient, options.ServiceDate);
            var resend = Chance(options.RetryShare);
            var reverse = Chance(options.ReversalShare);
            plan.Add(new PlannedVisit(number, options.Hospitals[hospital].Code, request, resend, reverse));
        }

        // A share such as 0.25 as a chance in basis points, so that the plan is the same on every machine.
        bool Chance(decimal share) => random.Next(10_000) < share * 10_000;
#pragma warning restore CA5394

        return plan;
    }
}
