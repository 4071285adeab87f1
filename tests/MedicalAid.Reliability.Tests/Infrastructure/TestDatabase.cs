using System.Data.Common;
using Microsoft.Data.Sqlite;
using Npgsql;

namespace MedicalAid.Reliability.Tests.Infrastructure;

public enum Provider
{
    Sqlite,
    Postgres,
}

/// <summary>
/// A real, empty database for one test: a SQLite file, or a database of its own on the PostgreSQL server. The API
/// processes write it; the tests only read it (<see cref="OpenReadOnlyAsync"/>), to check what the API left behind.
/// </summary>
public abstract class TestDatabase : IAsyncDisposable
{
    public abstract Provider Provider { get; }

    /// <summary>What the API process is given as ConnectionStrings:MedicalAid.</summary>
    public abstract string ConnectionString { get; }

    public static async Task<TestDatabase> CreateAsync(Provider provider) => provider switch
    {
        Provider.Sqlite => new SqliteTestDatabase(),
        Provider.Postgres => await PostgresTestDatabase.CreateAsync(),
        _ => throw new ArgumentOutOfRangeException(nameof(provider)),
    };

    /// <summary>A connection for reading only, inside one snapshot (see <see cref="BeginSnapshotAsync"/>).</summary>
    public abstract Task<DbConnection> OpenReadOnlyAsync(CancellationToken cancellationToken);

    /// <summary>A read-only transaction: every query in it sees the database as of one moment.</summary>
    public abstract Task<DbTransaction> BeginSnapshotAsync(DbConnection connection, CancellationToken cancellationToken);

    public abstract ValueTask DisposeAsync();
}

public sealed class SqliteTestDatabase : TestDatabase
{
    private readonly string path = Path.Combine(Path.GetTempPath(), $"medicalaid-reliability-{Guid.NewGuid():N}.db");

    public override Provider Provider => Provider.Sqlite;

    public override string ConnectionString => new SqliteConnectionStringBuilder { DataSource = path, DefaultTimeout = 60 }.ToString();

    public override async Task<DbConnection> OpenReadOnlyAsync(CancellationToken cancellationToken)
    {
        var connection = new SqliteConnection(new SqliteConnectionStringBuilder
        {
            DataSource = path,
            Mode = SqliteOpenMode.ReadOnly,
            Pooling = false,
            DefaultTimeout = 60,
        }.ToString());
        await connection.OpenAsync(cancellationToken);
        return connection;
    }

    /// <summary>In WAL mode a deferred transaction's first read fixes the snapshot that all its reads see.</summary>
    public override Task<DbTransaction> BeginSnapshotAsync(DbConnection connection, CancellationToken cancellationToken) =>
        Task.FromResult<DbTransaction>(((SqliteConnection)connection).BeginTransaction(deferred: true));

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

    public override Provider Provider => Provider.Postgres;

    public override string ConnectionString { get; }

    public static async Task<PostgresTestDatabase> CreateAsync()
    {
        var name = $"medicalaid_reliability_{Guid.NewGuid():N}";
        await using (var connection = new NpgsqlConnection(PostgresServer.AdminConnectionString))
        {
            await connection.OpenAsync();
            await using var command = new NpgsqlCommand($"CREATE DATABASE \"{name}\"", connection);
            await command.ExecuteNonQueryAsync();
        }

        var builder = new NpgsqlConnectionStringBuilder(PostgresServer.AdminConnectionString) { Database = name, MaxPoolSize = 100, Timeout = 30 };
        return new PostgresTestDatabase(name, builder.ToString());
    }

    public override async Task<DbConnection> OpenReadOnlyAsync(CancellationToken cancellationToken)
    {
        var connection = new NpgsqlConnection(new NpgsqlConnectionStringBuilder(ConnectionString) { Pooling = false }.ToString());
        await connection.OpenAsync(cancellationToken);
        return connection;
    }

    public override async Task<DbTransaction> BeginSnapshotAsync(DbConnection connection, CancellationToken cancellationToken)
    {
        var transaction = await ((NpgsqlConnection)connection).BeginTransactionAsync(System.Data.IsolationLevel.RepeatableRead, cancellationToken);
        await using var readOnly = new NpgsqlCommand("SET TRANSACTION READ ONLY", (NpgsqlConnection)connection, transaction);
        await readOnly.ExecuteNonQueryAsync(cancellationToken);
        return transaction;
    }

    public override async ValueTask DisposeAsync()
    {
        await using var connection = new NpgsqlConnection(PostgresServer.AdminConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand($"DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)", connection);
        await command.ExecuteNonQueryAsync();
    }
}

/// <summary>
/// Where the PostgreSQL tests find their server: MEDICALAID_TEST_POSTGRES, or a local server with the role the README
/// creates. Under CI (CI=true) or MEDICALAID_REQUIRE_POSTGRES=1 an unreachable server fails those tests; elsewhere
/// they are skipped so that `dotnet test` works on a machine without PostgreSQL.
/// </summary>
public static class PostgresServer
{
    public static string AdminConnectionString { get; } =
        Environment.GetEnvironmentVariable("MEDICALAID_TEST_POSTGRES")
        ?? "Host=127.0.0.1;Port=5432;Username=medicalaid;Password=medicalaid;Database=postgres;Timeout=5";

    public static bool Required =>
        string.Equals(Environment.GetEnvironmentVariable("CI"), "true", StringComparison.OrdinalIgnoreCase)
        || Environment.GetEnvironmentVariable("MEDICALAID_REQUIRE_POSTGRES") == "1";

    private static readonly Lazy<Task<string?>> Unavailability = new(ProbeAsync);

    /// <summary>Skips the calling test when PostgreSQL is missing and not required; fails it when required.</summary>
    public static async Task RequireOrSkipAsync(Provider provider)
    {
        if (await SkipReasonAsync(provider) is { } reason)
        {
            Assert.Skip(reason);
        }
    }

    /// <summary>Why a test on <paramref name="provider"/> must be skipped here (null: it runs); throws when PostgreSQL is required but missing.</summary>
    public static async Task<string?> SkipReasonAsync(Provider provider)
    {
        if (provider != Provider.Postgres || await Unavailability.Value is not { } reason)
        {
            return null;
        }

        return Required
            ? throw new InvalidOperationException($"PostgreSQL is required here (CI or MEDICALAID_REQUIRE_POSTGRES=1) but: {reason}")
            : reason + " (set MEDICALAID_TEST_POSTGRES, or see README; CI requires it)";
    }

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
