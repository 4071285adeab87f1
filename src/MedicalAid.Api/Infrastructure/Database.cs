using System.Data.Common;
using MedicalAid.Api.Demo;
using MedicalAid.Api.Staff;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Design;
using Microsoft.EntityFrameworkCore.Diagnostics;
using Microsoft.Extensions.Options;
using Npgsql;

namespace MedicalAid.Api.Infrastructure;

public enum DatabaseProvider
{
    Sqlite,
    Postgres,
}

public sealed class DatabaseOptions
{
    public const string Section = "Database";

    public DatabaseProvider Provider { get; set; } = DatabaseProvider.Sqlite;

    /// <summary>Apply the provider's EF Core migrations when the service starts.</summary>
    public bool MigrateOnStartup { get; set; } = true;

    /// <summary>
    /// PostgreSQL: how many write transactions one process runs at once; more wait in memory. Unset: twice the
    /// processor count. SQLite always writes one at a time.
    /// </summary>
    public int? MaxConcurrentWrites { get; set; }

    /// <summary>SQLite: commit the settlements that queue behind the single writer together (<see cref="SqliteGroupCommit"/>).</summary>
    public bool GroupCommit { get; set; } = true;
}

public static partial class DatabaseSetup
{
    public const string ConnectionStringName = "MedicalAid";

    public static WebApplicationBuilder AddMedicalAidDatabase(this WebApplicationBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        var options = builder.Configuration.GetSection(DatabaseOptions.Section).Get<DatabaseOptions>() ?? new DatabaseOptions();
        builder.Services.AddSingleton(options);
        var connectionString = builder.Configuration.GetConnectionString(ConnectionStringName);

        switch (options.Provider)
        {
            case DatabaseProvider.Postgres:
                if (string.IsNullOrWhiteSpace(connectionString))
                {
                    throw new InvalidOperationException($"Database:Provider is Postgres but ConnectionStrings:{ConnectionStringName} is not set.");
                }

                builder.Services.AddDbContextPool<MedicalAidDbContext, PostgresMedicalAidDbContext>(db => UsePostgres(db, connectionString));
                break;
            case DatabaseProvider.Sqlite:
                connectionString = string.IsNullOrWhiteSpace(connectionString)
                    ? DefaultSqliteConnectionString(builder.Environment.ContentRootPath)
                    : connectionString;
                builder.Services.AddDbContextPool<MedicalAidDbContext, SqliteMedicalAidDbContext>(db => UseSqlite(db, connectionString));
                break;
            default:
                throw new InvalidOperationException($"Unknown Database:Provider '{options.Provider}'. Use Sqlite or Postgres.");
        }

        builder.Services.AddHealthChecks().AddDbContextCheck<MedicalAidDbContext>("database", tags: ["ready"]);
        return builder;
    }

    public static void UsePostgres(DbContextOptionsBuilder db, string connectionString) =>
        db.UseNpgsql(WithPostgresDefaults(connectionString), npgsql => npgsql.MigrationsHistoryTable("__EFMigrationsHistory"));

    /// <summary>
    /// Npgsql prepares a statement on the server once it has run a few times on a connection, so PostgreSQL parses and
    /// plans a settlement's statements once per connection instead of once per request; and a connection taken from
    /// the pool is not reset first (EF Core takes one for each query outside a transaction, five per settlement, and
    /// each reset ran several statements). That is safe only while the service keeps no session state on pooled
    /// connections: no session-level <c>SET</c>, advisory lock, temporary table or <c>LISTEN</c> (the migration's
    /// advisory lock is released on the same connection before it returns to the pool; an open transaction is still
    /// rolled back). A connection string that sets either keyword keeps its value.
    /// </summary>
    public static string WithPostgresDefaults(string connectionString)
    {
        // NpgsqlConnectionStringBuilder.ContainsKey is true for every keyword it knows, so read what was written.
        var written = new DbConnectionStringBuilder { ConnectionString = connectionString }.Keys.Cast<string>()
            .Select(keyword => keyword.Replace(" ", "", StringComparison.Ordinal))
            .ToHashSet(StringComparer.OrdinalIgnoreCase);
        var builder = new NpgsqlConnectionStringBuilder(connectionString);
        if (!written.Contains("MaxAutoPrepare"))
        {
            builder.MaxAutoPrepare = 64;
        }

        if (!written.Contains("NoResetOnClose"))
        {
            builder.NoResetOnClose = true;
        }

        return builder.ConnectionString;
    }

    /// <summary>
    /// SQLite in WAL mode with synchronous=FULL: a commit is on disk before it is acknowledged, and readers do not
    /// block the single writer. Transactions begin IMMEDIATE (the Microsoft.Data.Sqlite default), so two writers
    /// queue on the write lock instead of deadlocking on a lock upgrade.
    /// </summary>
    public static void UseSqlite(DbContextOptionsBuilder db, string connectionString) =>
        db.UseSqlite(connectionString).AddInterceptors(SqlitePragmas.Instance);

    public static string DefaultSqliteConnectionString(string contentRoot)
    {
        var folder = Path.Combine(contentRoot, "data");
        Directory.CreateDirectory(folder);
        return new SqliteConnectionStringBuilder
        {
            DataSource = Path.Combine(folder, "medicalaid.db"),
            DefaultTimeout = 30,
        }.ToString();
    }

    /// <summary>The PostgreSQL advisory lock key that serialises migrations of several instances ("MAID" in ASCII).</summary>
    private const long MigrationLockKey = 0x4D414944;

    /// <summary>Applies migrations and seeds demo data, as configured.</summary>
    public static async Task PrepareDatabaseAsync(this WebApplication app)
    {
        ArgumentNullException.ThrowIfNull(app);
        await using var scope = app.Services.CreateAsyncScope();
        var options = scope.ServiceProvider.GetRequiredService<DatabaseOptions>();
        var db = scope.ServiceProvider.GetRequiredService<MedicalAidDbContext>();
        if (options.MigrateOnStartup)
        {
            if (db.Database.IsSqlite())
            {
                await db.Database.OpenConnectionAsync();
                await db.Database.ExecuteSqlRawAsync("PRAGMA journal_mode=WAL;");
                await db.Database.CloseConnectionAsync();
            }

            if (db.Database.IsNpgsql())
            {
                // Instances started together would each create the same tables; a session advisory lock lets one
                // migrate while the others wait, then find nothing left to do.
                await db.Database.OpenConnectionAsync();
                try
                {
                    await db.Database.ExecuteSqlAsync($"SELECT pg_advisory_lock({MigrationLockKey})");
                    await db.Database.MigrateAsync();
                }
                finally
                {
                    await db.Database.ExecuteSqlAsync($"SELECT pg_advisory_unlock({MigrationLockKey})");
                    await db.Database.CloseConnectionAsync();
                }
            }
            else
            {
                // EF Core's SQLite migration lock is a row that a killed process leaves behind, after which every start
                // waits forever. An OS file lock, which dies with its process, decides instead: whoever holds it is the
                // only migrator alive, so a lock row found then is stale.
                var dataSource = new SqliteConnectionStringBuilder(db.Database.GetConnectionString()).DataSource;
                await using var fileLock = await AcquireFileLockAsync($"{dataSource}.migrations.lock");
                await db.Database.OpenConnectionAsync();
                try
                {
                    var lockTables = await db.Database
                        .SqlQuery<string>($"SELECT name AS \"Value\" FROM sqlite_master WHERE type = 'table' AND name = '__EFMigrationsLock'")
                        .ToListAsync();
                    if (lockTables.Count > 0)
                    {
                        await db.Database.ExecuteSqlRawAsync("DELETE FROM \"__EFMigrationsLock\"");
                    }
                }
                finally
                {
                    await db.Database.CloseConnectionAsync();
                }

                await db.Database.MigrateAsync();
            }
        }

        await StaffRoles.EnsureAsync(scope.ServiceProvider, CancellationToken.None);
        var demo = scope.ServiceProvider.GetRequiredService<IOptions<DemoOptions>>().Value;
        if (demo.Enabled)
        {
            if (app.Environment.IsProduction())
            {
                LogDemoInProduction(app.Logger);
            }

            await scope.ServiceProvider.GetRequiredService<DemoSeeder>().SeedAsync(CancellationToken.None);
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Demo data is on in Production (Demo:AllowInProduction): the demo staff accounts have a published password")]
    private static partial void LogDemoInProduction(ILogger logger);

    private static async Task<FileStream> AcquireFileLockAsync(string path)
    {
        while (true)
        {
            try
            {
                return new FileStream(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
            }
            catch (IOException)
            {
                await Task.Delay(TimeSpan.FromMilliseconds(100));
            }
        }
    }

    private sealed class SqlitePragmas : DbConnectionInterceptor
    {
        public static readonly SqlitePragmas Instance = new();

        public override void ConnectionOpened(DbConnection connection, ConnectionEndEventData eventData) => Apply(connection);

        public override Task ConnectionOpenedAsync(DbConnection connection, ConnectionEndEventData eventData, CancellationToken cancellationToken = default)
        {
            Apply(connection);
            return Task.CompletedTask;
        }

        private static void Apply(DbConnection connection)
        {
            using var command = connection.CreateCommand();
            command.CommandText = "PRAGMA synchronous=FULL; PRAGMA foreign_keys=ON;";
            command.ExecuteNonQuery();
        }
    }
}

/// <summary>Used by `dotnet ef` to build the SQLite model for migrations.</summary>
public sealed class SqliteDesignTimeFactory : IDesignTimeDbContextFactory<SqliteMedicalAidDbContext>
{
    public SqliteMedicalAidDbContext CreateDbContext(string[] args)
    {
        var builder = new DbContextOptionsBuilder<SqliteMedicalAidDbContext>();
        DatabaseSetup.UseSqlite(builder, "Data Source=design-time.db");
        return new SqliteMedicalAidDbContext(builder.Options);
    }
}

/// <summary>Used by `dotnet ef` to build the PostgreSQL model for migrations; no server is contacted.</summary>
public sealed class PostgresDesignTimeFactory : IDesignTimeDbContextFactory<PostgresMedicalAidDbContext>
{
    public PostgresMedicalAidDbContext CreateDbContext(string[] args)
    {
        var builder = new DbContextOptionsBuilder<PostgresMedicalAidDbContext>();
        DatabaseSetup.UsePostgres(builder, "Host=localhost;Database=medicalaid_design");
        return new PostgresMedicalAidDbContext(builder.Options);
    }
}
