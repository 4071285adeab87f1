using MedicalAid.Api.Infrastructure;
using Microsoft.Data.Sqlite;
using Npgsql;

namespace MedicalAid.Api.Tests.Infrastructure;

/// <summary>A real, empty database for one test fixture: a SQLite file, or a database of its own on the PostgreSQL server.</summary>
public abstract class TestDatabase : IAsyncDisposable
{
    public abstract DatabaseProvider Provider { get; }

    public abstract string ConnectionString { get; }

    public static async Task<TestDatabase> CreateAsync(DatabaseProvider provider) => provider switch
    {
        DatabaseProvider.Sqlite => new SqliteTestDatabase(),
        DatabaseProvider.Postgres => await PostgresTestDatabase.CreateAsync(),
        _ => throw new ArgumentOutOfRangeException(nameof(provider)),
    };

    public abstract ValueTask DisposeAsync();
}

public sealed class SqliteTestDatabase : TestDatabase
{
    private readonly string path = Path.Combine(Path.GetTempPath(), $"medicalaid-test-{Guid.NewGuid():N}.db");

    public override DatabaseProvider Provider => DatabaseProvider.Sqlite;

    public override string ConnectionString => new SqliteConnectionStringBuilder { DataSource = path, DefaultTimeout = 60 }.ToString();

    public override ValueTask DisposeAsync()
    {
        SqliteConnection.ClearAllPools();
        // The service's migration file lock (Database.PrepareDatabaseAsync) sits beside the database.
        foreach (var file in new[] { path, path + "-wal", path + "-shm", path + ".migrations.lock" })
        {
            File.Delete(file);
        }

        return ValueTask.CompletedTask;
    }
}

public sealed class PostgresTestDatabase : TestDatabase
{
    private readonly string name;

    private PostgresTestDatabase(string name, string connectionString)
    {
        this.name = name;
        ConnectionString = connectionString;
    }

    public override DatabaseProvider Provider => DatabaseProvider.Postgres;

    public override string ConnectionString { get; }

    public static async Task<PostgresTestDatabase> CreateAsync()
    {
        var name = $"medicalaid_test_{Guid.NewGuid():N}";
        await using (var connection = await PostgresServer.OpenAdminConnectionAsync())
        {
            await using var command = new NpgsqlCommand($"CREATE DATABASE \"{name}\"", connection);
            await command.ExecuteNonQueryAsync();
        }

        var builder = new NpgsqlConnectionStringBuilder(PostgresServer.AdminConnectionString) { Database = name, MaxPoolSize = 100 };
        return new PostgresTestDatabase(name, builder.ToString());
    }

    public override async ValueTask DisposeAsync()
    {
        NpgsqlConnection.ClearAllPools();
        await using var connection = await PostgresServer.OpenAdminConnectionAsync();
        // A busy machine can take a while to end the database's sessions; a slow drop is not a failed test.
        await using var command = new NpgsqlCommand($"DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)", connection) { CommandTimeout = 300 };
        await command.ExecuteNonQueryAsync();
    }
}

/// <summary>
/// Where the PostgreSQL tests find their server: MEDICALAID_TEST_POSTGRES, or a local server with the role the
/// README creates. Under CI (CI=true) or MEDICALAID_REQUIRE_POSTGRES=1 an unreachable server fails those tests;
/// elsewhere they are skipped so that `dotnet test` works on a machine without PostgreSQL.
/// </summary>
public static class PostgresServer
{
    public static string AdminConnectionString { get; } =
        Environment.GetEnvironmentVariable("MEDICALAID_TEST_POSTGRES")
        ?? "Host=127.0.0.1;Port=5432;Username=medicalaid;Password=medicalaid;Database=postgres;Timeout=5";

    /// <summary>
    /// A connection for creating and dropping test databases. Test classes run in parallel, each with its API's pool,
    /// so the server may be at its connection limit for a moment (53300): that is waited out, not failed.
    /// </summary>
    public static async Task<NpgsqlConnection> OpenAdminConnectionAsync()
    {
        for (var attempt = 1; ; attempt++)
        {
            var connection = new NpgsqlConnection(AdminConnectionString);
            try
            {
                await connection.OpenAsync();
                return connection;
            }
            catch (PostgresException exception) when (exception.SqlState == PostgresErrorCodes.TooManyConnections && attempt < 30)
            {
                await connection.DisposeAsync();
                await Task.Delay(TimeSpan.FromSeconds(1));
            }
        }
    }

    public static bool Required =>
        string.Equals(Environment.GetEnvironmentVariable("CI"), "true", StringComparison.OrdinalIgnoreCase)
        || Environment.GetEnvironmentVariable("MEDICALAID_REQUIRE_POSTGRES") == "1";

    private static readonly Lazy<Task<string?>> Unavailability = new(ProbeAsync);

    /// <summary>Null when the server answers; otherwise why not.</summary>
    public static Task<string?> WhyUnavailableAsync() => Unavailability.Value;

    private static async Task<string?> ProbeAsync()
    {
        try
        {
            await using var connection = new NpgsqlConnection(AdminConnectionString);
            await connection.OpenAsync();
            return null;
        }
        catch (Exception exception) when (exception is NpgsqlException or TimeoutException or InvalidOperationException)
        {
            return $"PostgreSQL is not reachable at {new NpgsqlConnectionStringBuilder(AdminConnectionString).Host}: {exception.Message}";
        }
    }
}
