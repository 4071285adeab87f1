using System.Globalization;
using MedicalAid.Api.Infrastructure;
using MedicalAid.Api.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;

namespace MedicalAid.Api.Tests.Reliability;

/// <summary>
/// An app of its own for a reliability test class: no hospital rate limit worth speaking of (the tests send thousands
/// of requests as one hospital) and no outbox loop (nothing may write to the database behind the tests' back).
/// </summary>
public abstract class ReliabilityFixture(DatabaseProvider provider) : IAsyncLifetime
{
    private MedicalAidApp? app;

    public string? SkipReason { get; private set; }

    public MedicalAidApp App => app ?? throw new InvalidOperationException(SkipReason ?? "The app has not started.");

    public async ValueTask InitializeAsync()
    {
        if (provider == DatabaseProvider.Postgres && await PostgresServer.WhyUnavailableAsync() is { } reason)
        {
            if (PostgresServer.Required)
            {
                throw new InvalidOperationException($"PostgreSQL is required here (CI) but: {reason}");
            }

            SkipReason = reason + " (set MEDICALAID_TEST_POSTGRES, or see README; CI requires it)";
            return;
        }

        app = new MedicalAidApp(await TestDatabase.CreateAsync(provider));
        app.ExtraSettings["Clearing:Enabled"] = "false";
        app.ExtraSettings["RateLimiting:Hospital:PermitsPerSecond"] = "1000000";
        app.ExtraSettings["RateLimiting:Hospital:Burst"] = "1000000";
        await app.Services.GetRequiredService<IServiceScopeFactory>().CreateAsyncScope().DisposeAsync();
    }

    public async ValueTask DisposeAsync()
    {
        if (app is not null)
        {
            await app.DisposeAsync();
        }

        GC.SuppressFinalize(this);
    }
}

public sealed class SqliteReliabilityFixture() : ReliabilityFixture(DatabaseProvider.Sqlite);

public sealed class PostgresReliabilityFixture() : ReliabilityFixture(DatabaseProvider.Postgres);

/// <summary>
/// How big the reliability runs are. The defaults are CI's time-boxed runs; the full runs set the environment
/// variables (README, "Reliability"). A seed replays a run exactly.
/// </summary>
public static class ReliabilitySettings
{
    /// <summary>Requests the OpenAPI fuzzer sends per database (full run: 10000 or more).</summary>
    public static int FuzzRequests => Number("MEDICALAID_FUZZ_REQUESTS", 4_000);

    /// <summary>The fuzzer's seed (a number); a random one, printed, when unset.</summary>
    public static ulong? FuzzSeed =>
        Environment.GetEnvironmentVariable("MEDICALAID_FUZZ_SEED") is { Length: > 0 } text
            ? ulong.Parse(text, CultureInfo.InvariantCulture)
            : null;

    /// <summary>Random operation sequences the model-based test runs per database (full run: 500 or more).</summary>
    public static int ModelRuns => Number("MEDICALAID_MODEL_RUNS", 60);

    /// <summary>Sequences sampled from a failing seed to shrink the failure further (only smaller ones are run).</summary>
    public static int ModelShrinkRuns => Number("MEDICALAID_MODEL_SHRINK_RUNS", 400);

    /// <summary>The model-based test's CsCheck seed, as CsCheck prints it on a failure; random when unset.</summary>
    public static string? ModelSeed => Environment.GetEnvironmentVariable("MEDICALAID_MODEL_SEED") is { Length: > 0 } seed ? seed : null;

    private static int Number(string variable, int ciDefault) =>
        Environment.GetEnvironmentVariable(variable) is { Length: > 0 } text
            ? int.Parse(text, CultureInfo.InvariantCulture)
            : ciDefault;
}
