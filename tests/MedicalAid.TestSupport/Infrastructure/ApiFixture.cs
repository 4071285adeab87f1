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
            await app.DisposeAsync();
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
