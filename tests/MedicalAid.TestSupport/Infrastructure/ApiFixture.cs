using MedicalAid.Api.Infrastructure;

namespace MedicalAid.Api.Tests.Infrastructure;

/// <summary>One app on one fresh database, shared by the tests of a class.</summary>
public abstract class ApiFixture(DatabaseProvider provider) : IAsyncLifetime
{
    private MedicalAidApp? app;

    public DatabaseProvider Provider { get; } = provider;

    /// <summary>Why this fixture's database cannot be had here; null when it can.</summary>
    public string? SkipReason { get; private set; }

    public MedicalAidApp App => app ?? throw new InvalidOperationException(SkipReason ?? "The app has not started.");

    public async ValueTask InitializeAsync()
    {
        if (Provider == DatabaseProvider.Postgres && await PostgresServer.WhyUnavailableAsync() is { } reason)
        {
            if (PostgresServer.Required)
            {
                throw new InvalidOperationException($"PostgreSQL is required here (CI) but: {reason}");
            }

            SkipReason = reason + " (set MEDICALAID_TEST_POSTGRES, or see README; CI requires it)";
            return;
        }

        app = await MedicalAidApp.StartAsync(Provider);
    }

    public async ValueTask DisposeAsync()
    {
        if (app is not null)
        {
            try
            {
                await app.DisposeAsync();
            }
            catch (Exception exception)
            {
                // The test runner reports a failed clean-up by its type alone; the reason goes where .ci/run prints it.
                await CleanupFailures.RecordAsync($"{GetType().Name} on {Provider}", exception);
                throw;
            }
        }

        GC.SuppressFinalize(this);
    }
}

public sealed class SqliteFixture() : ApiFixture(DatabaseProvider.Sqlite);

public sealed class PostgresFixture() : ApiFixture(DatabaseProvider.Postgres);

/// <summary>Base of every API test class: gives the app, or skips where its database is not available and not required.</summary>
public abstract class ApiTestBase
{
    protected ApiTestBase(ApiFixture fixture)
    {
        ArgumentNullException.ThrowIfNull(fixture);
        Assert.SkipWhen(fixture.SkipReason is not null, fixture.SkipReason ?? "");
        App = fixture.App;
    }

    protected MedicalAidApp App { get; }
}

/// <summary>
/// Why a fixture's clean-up failed, appended to the file named by MEDICALAID_CLEANUP_LOG (as .ci/run sets it), since the
/// test runner's summary names only the exception's type.
/// </summary>
public static class CleanupFailures
{
    public static async Task RecordAsync(string fixture, Exception exception)
    {
        ArgumentNullException.ThrowIfNull(exception);
        if (Environment.GetEnvironmentVariable("MEDICALAID_CLEANUP_LOG") is { Length: > 0 } path)
        {
            await File.AppendAllTextAsync(path, $"{DateTimeOffset.UtcNow:O} {fixture}: {exception}{Environment.NewLine}");
        }
    }
}
