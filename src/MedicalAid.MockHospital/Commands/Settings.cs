using System.ComponentModel;
using System.Globalization;
using System.Security.Cryptography;
using MedicalAid.MockHospital.Driving;
using MedicalAid.MockHospital.Hospitals;
using Spectre.Console;
using Spectre.Console.Cli;

namespace MedicalAid.MockHospital.Commands;

/// <summary>Options every command has: which hospitals, and the seed.</summary>
internal class HospitalSettings : CommandSettings
{
    [CommandOption("--hospitals <LIST>")]
    [Description("Hospitals as CODE=KEY pairs, comma-separated; a demo code (H001–H003) may leave out its demo key. Default: H001,H002,H003.")]
    public string? Hospitals { get; set; }

    [CommandOption("--callback-secrets <LIST>")]
    [Description("Each hospital's callback secret as CODE=SECRET pairs, comma-separated, to verify callback signatures with; a demo code (H001–H003) may leave out its demo secret.")]
    public string? CallbackSecrets { get; set; }

    [CommandOption("--seed <N>")]
    [Description("Seed of everything random: population, visits, bills, faults. The same seed gives the same run.")]
    [DefaultValue(1)]
    public int Seed { get; set; }

    public IReadOnlyList<HospitalAccount> HospitalAccounts()
    {
        if (string.IsNullOrWhiteSpace(Hospitals))
        {
            return HospitalAccount.Demo;
        }

        return Hospitals.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Select(pair =>
            {
                var parts = pair.Split('=', 2, StringSplitOptions.TrimEntries);
                var key = parts.Length == 2 ? parts[1] : HospitalAccount.Demo.FirstOrDefault(demo => demo.Code == parts[0])?.ApiKey ?? "";
                return new HospitalAccount(parts[0], key);
            })
            .ToArray();
    }

    /// <summary>The hospitals with their callback secrets: given, else the demo secret of a demo code, else none.</summary>
    public IReadOnlyList<(string Code, string? CallbackSecret)> HospitalSecrets()
    {
        var given = (CallbackSecrets ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Select(pair => pair.Split('=', 2, StringSplitOptions.TrimEntries))
            .Where(parts => parts.Length == 2)
            .ToDictionary(parts => parts[0], parts => parts[1], StringComparer.Ordinal);
        return HospitalAccounts()
            .Select(account => (account.Code, given.GetValueOrDefault(account.Code)
                ?? (HospitalAccount.Demo.Any(demo => demo.Code == account.Code) ? HospitalAccount.DemoCallbackSecret(account.Code) : null)))
            .ToArray();
    }

    public override ValidationResult Validate()
    {
        var accounts = HospitalAccounts();
        if (accounts.Count == 0 || accounts.Any(account => account.Code.Length == 0))
        {
            return ValidationResult.Error("--hospitals: give CODE=KEY pairs, such as H001=demo-h001-key,H002=demo-h002-key.");
        }

        return accounts.Select(account => account.Code).Distinct(StringComparer.Ordinal).Count() == accounts.Count
            ? ValidationResult.Success()
            : ValidationResult.Error("--hospitals: each hospital once.");
    }
}

/// <summary>The mock hospital systems' options, shared by <c>serve</c> and <c>run</c>.</summary>
internal interface IMockSystemSettings
{
    int MockPort { get; }

    double ErrorRate { get; }

    double DropRate { get; }

    int DelayMilliseconds { get; }

    FaultKind FailFirstAttempt { get; }

    bool SendBadCallbacks { get; }
}

internal static class MockSystemSettings
{
    public static HospitalFaults Faults(this IMockSystemSettings settings) => new()
    {
        ErrorRate = settings.ErrorRate,
        DropRate = settings.DropRate,
        Delay = TimeSpan.FromMilliseconds(settings.DelayMilliseconds),
        FirstAttempt = settings.FailFirstAttempt,
    };

    /// <summary>With --send-bad-callbacks: each system is sent the deliveries it must refuse, and what it answered is shown.</summary>
    public static async Task ProbeAsync(IMockSystemSettings settings, MockHospitalFleet fleet, CancellationToken cancellationToken)
    {
        if (!settings.SendBadCallbacks)
        {
            return;
        }

        foreach (var system in fleet.Systems)
        {
            foreach (var probe in await system.SendBadDeliveriesAsync(cancellationToken))
            {
                var refused = probe.Status == 401 ? "[green]refused[/]" : "[red]ACCEPTED[/]";
                AnsiConsole.MarkupLine(Markup.Escape($"Mock hospital system {system.HospitalCode}: {probe.What} delivery answered {probe.Status} ") + refused);
            }
        }
    }

    public static ValidationResult Validate(IMockSystemSettings settings) =>
        settings.MockPort is < 0 or > 65_535 ? ValidationResult.Error("--mock-port: 0 (free ports) or a port number.")
        : settings.ErrorRate is < 0 or > 1 || settings.DropRate is < 0 or > 1 || settings.ErrorRate + settings.DropRate > 1
            ? ValidationResult.Error("--error-rate and --drop-rate: shares from 0 to 1, together at most 1.")
        : settings.DelayMilliseconds < 0 ? ValidationResult.Error("--delay: milliseconds, 0 or more.")
        : ValidationResult.Success();
}

internal sealed class ServeSettings : HospitalSettings, IMockSystemSettings
{
    [CommandOption("--mock-port <PORT>")]
    [Description("Port of the first mock hospital system; each next hospital takes the next port. 0 picks free ports.")]
    [DefaultValue(0)]
    public int MockPort { get; set; }

    [CommandOption("--error-rate <SHARE>")]
    [Description("Share of callback deliveries answered with 500.")]
    [DefaultValue(0.0)]
    public double ErrorRate { get; set; }

    [CommandOption("--drop-rate <SHARE>")]
    [Description("Share of callback deliveries whose connection is dropped after the delivery was stored.")]
    [DefaultValue(0.0)]
    public double DropRate { get; set; }

    [CommandOption("--delay <MS>")]
    [Description("Milliseconds each mock hospital system takes to answer a delivery.")]
    [DefaultValue(0)]
    public int DelayMilliseconds { get; set; }

    [CommandOption("--fail-first-attempt <KIND>")]
    [Description("none, error or drop: fail the first attempt of every delivery that way, so only a redelivery succeeds.")]
    [DefaultValue(FaultKind.None)]
    public FaultKind FailFirstAttempt { get; set; }

    [CommandOption("--send-bad-callbacks")]
    [Description("At start, send each system an unsigned, a wrongly signed and a stale (6 minutes old) delivery, and show that it refuses them.")]
    [DefaultValue(false)]
    public bool SendBadCallbacks { get; set; }

    public override ValidationResult Validate()
    {
        var hospitals = base.Validate();
        return hospitals.Successful ? MockSystemSettings.Validate(this) : hospitals;
    }
}

internal class DriveSettings : HospitalSettings
{
    [CommandOption("--api <URL>")]
    [Description("Base address of the running MedicalAid API.")]
    [DefaultValue("http://localhost:5080")]
    public string Api { get; set; } = "http://localhost:5080";

    [CommandOption("--count <N>")]
    [Description("Discharges to settle, over all hospitals.")]
    [DefaultValue(100)]
    public int Count { get; set; }

    [CommandOption("--rate <PER_SECOND>")]
    [Description("Discharges started per second, over all hospitals; 0 means as fast as --concurrency allows.")]
    [DefaultValue(0.0)]
    public double Rate { get; set; }

    [CommandOption("--concurrency <N>")]
    [Description("Discharges in flight at once.")]
    [DefaultValue(4)]
    public int Concurrency { get; set; }

    [CommandOption("--inpatient-share <SHARE>")]
    [Description("Share of inpatient stays (住院); the rest are outpatient visits (门诊).")]
    [DefaultValue(typeof(decimal), "0.4")]
    public decimal InpatientShare { get; set; }

    [CommandOption("--retry-share <SHARE>")]
    [Description("Share of settlements sent again with the same Idempotency-Key, expecting the original back (Idempotent-Replayed).")]
    [DefaultValue(typeof(decimal), "0.1")]
    public decimal RetryShare { get; set; }

    [CommandOption("--reversal-share <SHARE>")]
    [Description("Share of settlements reversed (撤销) right after they are made.")]
    [DefaultValue(typeof(decimal), "0.05")]
    public decimal ReversalShare { get; set; }

    [CommandOption("--date <YYYY-MM-DD>")]
    [Description("Service date of every bill. Default: yesterday in Asia/Shanghai.")]
    public string? Date { get; set; }

    [CommandOption("--population <N>")]
    [Description("Generate N people with valid resident ID numbers and register them (needs --staff-token); 0 uses the demo beneficiaries.")]
    [DefaultValue(0)]
    public int Population { get; set; }

    [CommandOption("--staff-token <TOKEN>")]
    [Description("Bearer token of role operator, for registering a generated population.")]
    public string? StaffToken { get; set; }

    [CommandOption("--run-id <ID>")]
    [Description("Part of every visit number (ZY<date><run-id><n>), so runs on one database do not collide. Default: random.")]
    public string? RunId { get; set; }

    public override ValidationResult Validate()
    {
        var hospitals = base.Validate();
        if (!hospitals.Successful)
        {
            return hospitals;
        }

        if (HospitalAccounts().FirstOrDefault(account => account.ApiKey.Length == 0) is { } keyless)
        {
            return ValidationResult.Error($"--hospitals: {keyless.Code} needs its API key (CODE=KEY).");
        }

        if (!Uri.TryCreate(Api, UriKind.Absolute, out var api) || (api.Scheme != Uri.UriSchemeHttp && api.Scheme != Uri.UriSchemeHttps))
        {
            return ValidationResult.Error("--api: an absolute http(s) URL.");
        }

        if (Count < 1 || Concurrency < 1 || Rate < 0 || Population < 0)
        {
            return ValidationResult.Error("--count and --concurrency are at least 1; --rate and --population are 0 or more.");
        }

        if (new[] { InpatientShare, RetryShare, ReversalShare }.Any(share => share is < 0 or > 1))
        {
            return ValidationResult.Error("--inpatient-share, --retry-share and --reversal-share are shares from 0 to 1.");
        }

        if (Date is not null && !DateOnly.TryParseExact(Date, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out _))
        {
            return ValidationResult.Error("--date: YYYY-MM-DD.");
        }

        if (Population > 0 && string.IsNullOrWhiteSpace(StaffToken))
        {
            return ValidationResult.Error("--population registers people through the staff API: give --staff-token (role operator).");
        }

        return RunId is null || (RunId.Length is > 0 and <= 16 && RunId.All(char.IsAsciiLetterOrDigit))
            ? ValidationResult.Success()
            : ValidationResult.Error("--run-id: 1 to 16 letters or digits.");
    }

    public Uri ApiUrl() => new(Api);

    public DriveOptions ToOptions()
    {
        var zone = TimeZoneInfo.FindSystemTimeZoneById("Asia/Shanghai");
        var yesterday = DateOnly.FromDateTime(TimeZoneInfo.ConvertTime(DateTimeOffset.UtcNow, zone).DateTime).AddDays(-1);
        return new DriveOptions
        {
            Hospitals = HospitalAccounts(),
            Count = Count,
            Rate = Rate,
            Concurrency = Concurrency,
            InpatientShare = InpatientShare,
            RetryShare = RetryShare,
            ReversalShare = ReversalShare,
            Seed = Seed,
            ServiceDate = Date is null ? yesterday : DateOnly.ParseExact(Date, "yyyy-MM-dd", CultureInfo.InvariantCulture),
            RunId = (RunId ?? RandomNumberGenerator.GetString("ABCDEFGHJKLMNPQRSTUVWXYZ23456789", 4)).ToUpperInvariant(),
            PopulationSize = Population,
            StaffToken = StaffToken,
            TimeZone = zone,
        };
    }
}

internal sealed class RunSettings : DriveSettings, IMockSystemSettings
{
    [CommandOption("--mock-port <PORT>")]
    [Description("Port of the first mock hospital system; each next hospital takes the next port. 0 picks free ports.")]
    [DefaultValue(0)]
    public int MockPort { get; set; }

    [CommandOption("--error-rate <SHARE>")]
    [Description("Share of callback deliveries answered with 500.")]
    [DefaultValue(0.0)]
    public double ErrorRate { get; set; }

    [CommandOption("--drop-rate <SHARE>")]
    [Description("Share of callback deliveries whose connection is dropped after the delivery was stored.")]
    [DefaultValue(0.0)]
    public double DropRate { get; set; }

    [CommandOption("--delay <MS>")]
    [Description("Milliseconds each mock hospital system takes to answer a delivery.")]
    [DefaultValue(0)]
    public int DelayMilliseconds { get; set; }

    [CommandOption("--fail-first-attempt <KIND>")]
    [Description("none, error or drop: fail the first attempt of every delivery that way, so only a redelivery succeeds.")]
    [DefaultValue(FaultKind.None)]
    public FaultKind FailFirstAttempt { get; set; }

    [CommandOption("--send-bad-callbacks")]
    [Description("At start, send each system an unsigned, a wrongly signed and a stale (6 minutes old) delivery, and show that it refuses them.")]
    [DefaultValue(false)]
    public bool SendBadCallbacks { get; set; }

    public override ValidationResult Validate()
    {
        var drive = base.Validate();
        return drive.Successful ? MockSystemSettings.Validate(this) : drive;
    }
}
