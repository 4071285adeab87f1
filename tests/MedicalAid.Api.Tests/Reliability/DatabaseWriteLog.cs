using MedicalAid.Api.Infrastructure;
using MedicalAid.Api.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;

namespace MedicalAid.Api.Tests.Reliability;

/// <summary>
/// Sees every row the app writes. Triggers on each of the app's tables append (table, operation) to a log table of the
/// test database in the same transaction as the write, so the log holds exactly what was committed: an insert, an
/// update (even one that changes nothing) or a delete, in any table, by any code path. Comparing the log's length
/// before and after a request tells whether the request recorded anything.
/// </summary>
public sealed class DatabaseWriteLog
{
    private const string LogTable = "ReliabilityWriteLog";

    private readonly MedicalAidApp app;

    private DatabaseWriteLog(MedicalAidApp app) => this.app = app;

    /// <summary>Installs the triggers (again is harmless) and gives the log.</summary>
    public static async Task<DatabaseWriteLog> InstallAsync(MedicalAidApp app)
    {
        ArgumentNullException.ThrowIfNull(app);
        await app.WithDbAsync(async db =>
        {
            var tables = db.Model.GetEntityTypes()
                .Select(entity => entity.GetTableName())
                .OfType<string>()
                .Distinct(StringComparer.Ordinal)
                .Order(StringComparer.Ordinal)
                .ToList();
            foreach (var statement in app.Database.Provider == DatabaseProvider.Postgres ? PostgresStatements(tables) : SqliteStatements(tables))
            {
                await db.Database.ExecuteSqlRawAsync(statement);
            }
        });
        return new DatabaseWriteLog(app);
    }

    /// <summary>How many row writes have been committed since the log was installed.</summary>
    public Task<long> CountAsync() =>
        app.WithDbAsync(db => db.Database.SqlQueryRaw<long>($"""SELECT COUNT(*) AS "Value" FROM "{LogTable}" """).SingleAsync());

    /// <summary>The writes after the first <paramref name="count"/>, as "INSERT Settlements" lines, for a failure message.</summary>
    public Task<List<string>> WritesAfterAsync(long count) =>
        app.WithDbAsync(db => db.Database
            .SqlQuery<string>($"""SELECT "Operation" || ' ' || "TableName" AS "Value" FROM "ReliabilityWriteLog" ORDER BY "Id" LIMIT 50 OFFSET {count}""")
            .ToListAsync());

    private static IEnumerable<string> SqliteStatements(IReadOnlyList<string> tables)
    {
        yield return $"""CREATE TABLE IF NOT EXISTS "{LogTable}" ("Id" INTEGER PRIMARY KEY AUTOINCREMENT, "TableName" TEXT NOT NULL, "Operation" TEXT NOT NULL)""";
        foreach (var table in tables)
        {
            foreach (var operation in new[] { "INSERT", "UPDATE", "DELETE" })
            {
                yield return $"""
                    CREATE TRIGGER IF NOT EXISTS "rwl_{table}_{operation}" AFTER {operation} ON "{table}" FOR EACH ROW
                    BEGIN INSERT INTO "{LogTable}" ("TableName", "Operation") VALUES ('{table}', '{operation}'); END
                    """;
            }
        }
    }

    private static IEnumerable<string> PostgresStatements(IReadOnlyList<string> tables)
    {
        yield return $"""CREATE TABLE IF NOT EXISTS "{LogTable}" ("Id" bigserial PRIMARY KEY, "TableName" text NOT NULL, "Operation" text NOT NULL)""";
        yield return $"""
            CREATE OR REPLACE FUNCTION reliability_log_write() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN
                INSERT INTO "{LogTable}" ("TableName", "Operation") VALUES (TG_TABLE_NAME, TG_OP);
                RETURN NULL;
            END $$
            """;
        foreach (var table in tables)
        {
            yield return $"""
                CREATE OR REPLACE TRIGGER "rwl_{table}" AFTER INSERT OR UPDATE OR DELETE ON "{table}"
                FOR EACH ROW EXECUTE FUNCTION reliability_log_write()
                """;
        }
    }
}
