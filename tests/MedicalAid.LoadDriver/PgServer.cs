using Npgsql;

namespace MedicalAid.LoadDriver;

/// <summary>The local PostgreSQL server the benchmarks create their databases on.</summary>
internal sealed class PgServer
{
    /// <summary>The driver's own connections (sampling, seeding) carry this name, so that their CPU is not counted as the API's database work.</summary>
    public const string DriverApplicationName = "medicalaid-loaddriver";

    public const string DefaultConnectionString = "Host=127.0.0.1;Port=5432;Username=medicalaid;Password=medicalaid;Database=postgres;Timeout=15";

    private readonly NpgsqlConnectionStringBuilder admin;
    private readonly Lock monitorLock = new();

    /// <summary>One long-lived connection for frequent monitoring queries (a new connection would fork a backend each time).</summary>
    private NpgsqlConnection? monitor;

    public PgServer(string connectionString)
    {
        admin = new NpgsqlConnectionStringBuilder(connectionString) { Pooling = false };
        if (string.IsNullOrEmpty(admin.Database))
        {
            admin.Database = "postgres";
        }
    }

    public string Host => admin.Host ?? "127.0.0.1";

    public int Port => admin.Port;

    public string Username => admin.Username ?? "medicalaid";

    public string Password => admin.Password ?? "";

    /// <summary>A connection string to <paramref name="database"/> with durable commits asked for explicitly.</summary>
    public string ConnectionString(string database, string? extra = null)
    {
        var builder = new NpgsqlConnectionStringBuilder(admin.ConnectionString)
        {
            Database = database,
            Pooling = true,
            Options = "-c synchronous_commit=on",
        };
        var text = builder.ConnectionString;
        return string.IsNullOrWhiteSpace(extra) ? text : text + ";" + extra.Trim(';');
    }

    /// <summary>Environment for libpq programs (pgbench, psql) connecting to <paramref name="database"/> with durable commits.</summary>
    public IReadOnlyDictionary<string, string> LibpqEnvironment(string database) => new Dictionary<string, string>(StringComparer.Ordinal)
    {
        ["PGHOST"] = Host,
        ["PGPORT"] = Port.ToString(System.Globalization.CultureInfo.InvariantCulture),
        ["PGUSER"] = Username,
        ["PGPASSWORD"] = Password,
        ["PGDATABASE"] = database,
        ["PGOPTIONS"] = "-c synchronous_commit=on",
    };

    public async Task CreateDatabaseAsync(string name, CancellationToken cancellationToken)
    {
        await using var connection = await OpenAsync("postgres", cancellationToken);
        await using var command = new NpgsqlCommand($"CREATE DATABASE \"{name}\"", connection);
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    public async Task DropDatabaseAsync(string name, CancellationToken cancellationToken)
    {
        await using var connection = await OpenAsync("postgres", cancellationToken);
        await using var command = new NpgsqlCommand($"DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)", connection);
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    public async Task<bool> DatabaseExistsAsync(string name, CancellationToken cancellationToken)
    {
        await using var connection = await OpenAsync("postgres", cancellationToken);
        await using var command = new NpgsqlCommand("SELECT EXISTS (SELECT 1 FROM pg_database WHERE datname = $1)", connection);
        command.Parameters.AddWithValue(name);
        return (bool)(await command.ExecuteScalarAsync(cancellationToken))!;
    }

    public async Task<NpgsqlConnection> OpenAsync(string database, CancellationToken cancellationToken)
    {
        var builder = new NpgsqlConnectionStringBuilder(admin.ConnectionString) { Database = database, CommandTimeout = 0, ApplicationName = DriverApplicationName };
        var connection = new NpgsqlConnection(builder.ConnectionString);
        await connection.OpenAsync(cancellationToken);
        return connection;
    }

    /// <summary>Process ids of the server backends connected to <paramref name="database"/> (not the monitor's own).</summary>
    public IReadOnlyList<int> BackendPids(string database)
    {
        lock (monitorLock)
        {
            if (monitor is null)
            {
                monitor = new NpgsqlConnection(new NpgsqlConnectionStringBuilder(admin.ConnectionString) { Database = "postgres" }.ConnectionString);
                monitor.Open();
            }

            using var command = new NpgsqlCommand("SELECT pid FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid() AND application_name <> $2", monitor);
            command.Parameters.AddWithValue(database);
            command.Parameters.AddWithValue(DriverApplicationName);
            using var reader = command.ExecuteReader();
            var pids = new List<int>();
            while (reader.Read())
            {
                pids.Add(reader.GetInt32(0));
            }

            return pids;
        }
    }

    public async Task<T> ScalarAsync<T>(string database, string sql, CancellationToken cancellationToken)
    {
        await using var connection = await OpenAsync(database, cancellationToken);
        await using var command = new NpgsqlCommand(sql, connection);
        return (T)(await command.ExecuteScalarAsync(cancellationToken))!;
    }

    public async Task ExecuteAsync(string database, string sql, CancellationToken cancellationToken)
    {
        await using var connection = await OpenAsync(database, cancellationToken);
        await using var command = new NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync(cancellationToken);
    }
}
