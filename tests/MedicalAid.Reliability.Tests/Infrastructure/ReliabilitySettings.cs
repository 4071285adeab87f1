using System.Globalization;

namespace MedicalAid.Reliability.Tests.Infrastructure;

/// <summary>
/// How hard the reliability tests push. CI runs the defaults (time-boxed); the full runs set the variables, as the
/// README's Reliability section shows.
/// </summary>
public static class ReliabilitySettings
{
    /// <summary>SIGKILLs per crash test: MEDICALAID_CRASH_KILLS (CI default 4; the full run uses 12).</summary>
    public static int CrashKills => Positive("MEDICALAID_CRASH_KILLS", 4);

    /// <summary>Concurrent hospital client loops during the crash test: MEDICALAID_CRASH_CLIENTS (default 6).</summary>
    public static int CrashClients => Positive("MEDICALAID_CRASH_CLIENTS", 6);

    /// <summary>Rounds of each two-instance race: MEDICALAID_INSTANCE_ROUNDS (CI default 2; the full run uses 10).</summary>
    public static int InstanceRounds => Positive("MEDICALAID_INSTANCE_ROUNDS", 2);

    /// <summary>
    /// Seed of the crash test's random choices (MEDICALAID_RELIABILITY_SEED). Kill moments and request timing still
    /// vary between runs: the seed fixes what is asked, not when the process dies.
    /// </summary>
    public static int Seed { get; } = int.TryParse(Environment.GetEnvironmentVariable("MEDICALAID_RELIABILITY_SEED"), NumberStyles.Integer, CultureInfo.InvariantCulture, out var seed)
        ? seed
        : Random.Shared.Next();

    private static int Positive(string name, int fallback) =>
        int.TryParse(Environment.GetEnvironmentVariable(name), NumberStyles.Integer, CultureInfo.InvariantCulture, out var value) && value > 0
            ? value
            : fallback;
}
