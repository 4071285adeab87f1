using System.Diagnostics;
using System.Diagnostics.Metrics;
using System.Runtime.CompilerServices;
using MedicalAid.Api.Beneficiaries;
using MedicalAid.Api.Funds;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Npgsql;

namespace MedicalAid.Api.Infrastructure;

/// <summary>How a database failure is to be treated, whichever provider raised it.</summary>
public static class DatabaseErrors
{
    /// <summary>A unique index refused a row: another request got there first, so re-reading will find it.</summary>
    public static bool IsUniqueViolation(Exception exception) =>
        Find<PostgresException>(exception) is { SqlState: PostgresErrorCodes.UniqueViolation }
        || Find<SqliteException>(exception) is { SqliteErrorCode: 19, SqliteExtendedErrorCode: 2067 or 1555 };

    /// <summary>PostgreSQL refused a text value holding a NUL character (U+0000): the request's input, not the database, is at fault.</summary>
    public static bool IsNulInText(Exception exception) =>
        Find<PostgresException>(exception) is { SqlState: PostgresErrorCodes.CharacterNotInRepertoire };

    /// <summary>
    /// Serialization failure, deadlock, lock timeout, a busy SQLite file, a fund that moved under an unlocked read, or
    /// a prepared statement whose table another instance's migration has just changed (Npgsql drops the statement, so
    /// the next attempt prepares it again): the same work may succeed if run again.
    /// </summary>
    public static bool IsTransient(Exception exception) =>
        Find<PostgresException>(exception) is { SqlState: PostgresErrorCodes.SerializationFailure or PostgresErrorCodes.DeadlockDetected or PostgresErrorCodes.LockNotAvailable }
        || Find<PostgresException>(exception) is { SqlState: PostgresErrorCodes.FeatureNotSupported, MessageText: var message }
            && message.Contains("cached plan must not change result type", StringComparison.Ordinal)
        || Find<NpgsqlException>(exception) is { IsTransient: true }
        || Find<SqliteException>(exception) is { SqliteErrorCode: 5 or 6 }
        || Find<FundBalanceMovedException>(exception) is not null;

    private static T? Find<T>(Exception? exception)
        where T : Exception
    {
        for (; exception is not null; exception = exception.InnerException)
        {
            if (exception is T match)
            {
                return match;
            }
        }

        return null;
    }
}

/// <summary>
/// Runs a unit of work in one database transaction, again from the start when the database says another request
/// interfered (unique violation, serialization failure, deadlock, busy). The work re-reads everything it decides on,
/// so a retry sees what the other request committed. Work that answers with a refusal (<see cref="IRefusable"/>) is
/// rolled back: a settlement refused as a duplicate visit must not leave the usage row it created to lock on.
/// </summary>
public sealed partial class TransactionRunner(
    MedicalAidDbContext db, WriteGate writeGate, SqliteGroupCommit groupCommit, ILogger<TransactionRunner> logger)
{
    private const int MaxAttempts = 8;

    /// <summary>
    /// Runs <paramref name="work"/> on the context it is given: on SQLite with group commit, in the next transaction
    /// shared with the work queued behind the single writer (<see cref="SqliteGroupCommit.RunAsync{T}"/>, whose rules
    /// the work must keep); otherwise alone, on this scope's context, as <see cref="RunAsync{T}(Func{CancellationToken, Task{T}}, CancellationToken)"/>.
    /// </summary>
    public Task<T> RunAsync<T>(Func<MedicalAidDbContext, CancellationToken, Task<T>> work, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(work);
        return groupCommit.Enabled
            ? groupCommit.RunAsync(work, cancellationToken)
            : RunAsync(ct => work(db, ct), cancellationToken);
    }

    public async Task<T> RunAsync<T>(Func<CancellationToken, Task<T>> work, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(work);
        using var gate = await writeGate.EnterAsync(cancellationToken);
        for (var attempt = 1; ; attempt++)
        {
            db.ChangeTracker.Clear();

            // A failed statement ends the attempt and the work runs again from the start, so EF Core's savepoint
            // around each SaveChanges (two more round trips while the rows are locked) would never be rolled back to.
            db.Database.AutoSavepointsEnabled = false;
            try
            {
                await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
                var result = await work(cancellationToken);
                if (result is IRefusable { IsRefusal: true })
                {
                    await transaction.RollbackAsync(cancellationToken);
                    return result;
                }

                await transaction.CommitAsync(cancellationToken);
                return result;
            }
            catch (Exception exception) when (DatabaseErrors.IsUniqueViolation(exception) || DatabaseErrors.IsTransient(exception))
            {
                if (attempt == MaxAttempts)
                {
                    throw new DatabaseBusyException(exception);
                }

                LogRetry(logger, exception, attempt);
                await Task.Delay(TimeSpan.FromMilliseconds(Random.Shared.Next(1, 5 * attempt)), cancellationToken);
            }
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Transaction attempt {Attempt} met a concurrent request; retrying")]
    private static partial void LogRetry(ILogger logger, Exception exception, int attempt);
}

/// <summary>The database stayed contended through every attempt; nothing was committed, and the request can be retried.</summary>
public sealed class DatabaseBusyException(Exception innerException)
    : Exception("The database stayed busy through every attempt.", innerException);

/// <summary>
/// Queues this process's write transactions in memory, so that they wait as cheap tasks rather than inside the
/// database. SQLite has one writer at a time, and a writer that finds the file busy is retried by
/// Microsoft.Data.Sqlite with a blocking 150 ms sleep, which under load turns into long tails: one at a time.
/// PostgreSQL: every settlement takes the year's few fund rows, and when tens of transactions queue on one row, each
/// commit wakes all of them to fight for it again (measured at 32 concurrent settlements on 2 cores: 20 of 32
/// backends waiting on a fund row and 20 ms of database CPU per settlement, against 3 ms at 8): a few at a time,
/// by default twice the processor count (<see cref="DatabaseOptions.MaxConcurrentWrites"/>). The gate only orders
/// the writers of one process; the database's locks remain the guard, so several instances are still correct.
/// </summary>
public sealed class WriteGate : IDisposable
{
    /// <summary>Meter of the write path (<c>dotnet-counters monitor --counters MedicalAid.Database</c>).</summary>
    public const string MeterName = "MedicalAid.Database";

    private static readonly Meter Meter = new(MeterName);

    /// <summary>Microseconds the gate was held, summed: its rate over the capacity is how busy the writers keep it.</summary>
    private static readonly Counter<long> Held = Meter.CreateCounter<long>("medicalaid.write_gate.held", "us");

    /// <summary>Microseconds writers waited for the gate.</summary>
    private static readonly Histogram<long> Waited = Meter.CreateHistogram<long>("medicalaid.write_gate.wait", "us");

    private readonly SemaphoreSlim gate;

    public WriteGate(DatabaseOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        Capacity = options.Provider == DatabaseProvider.Sqlite ? 1 : options.MaxConcurrentWrites ?? 2 * Environment.ProcessorCount;
        if (Capacity < 1)
        {
            throw new InvalidOperationException($"Database:MaxConcurrentWrites must be at least 1, not {Capacity}.");
        }

        gate = new SemaphoreSlim(Capacity, Capacity);
    }

    /// <summary>How many write transactions of this process may run at once.</summary>
    public int Capacity { get; }

    public async Task<IDisposable> EnterAsync(CancellationToken cancellationToken)
    {
        var asked = Stopwatch.GetTimestamp();
        await gate.WaitAsync(cancellationToken);
        var entered = Stopwatch.GetTimestamp();
        Waited.Record(Microseconds(Stopwatch.GetElapsedTime(asked, entered)));
        return new Release(gate, entered);
    }

    public void Dispose() => gate.Dispose();

    private static long Microseconds(TimeSpan elapsed) => elapsed.Ticks / TimeSpan.TicksPerMicrosecond;

    private sealed class Release(SemaphoreSlim gate, long entered) : IDisposable
    {
        private int released;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref released, 1) == 0)
            {
                Held.Add(Microseconds(Stopwatch.GetElapsedTime(entered)));
                gate.Release();
            }
        }
    }
}

/// <summary>
/// Row locks taken inside a settlement or reversal transaction, always in the same order (usage, then funds) so
/// that two transactions never wait on each other in a cycle. PostgreSQL locks the rows (SELECT … FOR UPDATE);
/// SQLite's transactions begin IMMEDIATE and so already hold the database's single write lock.
/// </summary>
public sealed class RowLocks(MedicalAidDbContext db)
{
    private bool LocksRows => db.Database.IsNpgsql();

    /// <summary>
    /// The beneficiary's usage row for the year, created at zero if this is their first settlement of the year, in one
    /// statement: an upsert that touches the row locks it until the transaction ends (PostgreSQL; SQLite already holds
    /// its write lock).
    /// </summary>
    public async Task<BeneficiaryYearUsage> UsageAsync(long beneficiaryId, int year, CancellationToken cancellationToken)
    {
        var rows = await db.BeneficiaryYearUsages
            .FromSql(FormattableStringFactory.Create(UsageUpsert("{0}", "{1}") + " RETURNING *", beneficiaryId, year))
            .AsAsyncEnumerable()
            .ToListAsync(cancellationToken);
        return rows.Single();
    }

    /// <summary>
    /// The statement that creates the beneficiary's usage row for the year at zero, or touches it if it exists, and so
    /// locks it; <paramref name="beneficiary"/> and <paramref name="year"/> are the placeholders of the caller's command.
    /// </summary>
    public static string UsageUpsert(string beneficiary, string year) => $"""
        INSERT INTO "BeneficiaryYearUsages" ("BeneficiaryId", "Year", "InsuranceSubsidy", "OutpatientDeductible", "InpatientDeductible", "Outpatient", "Inpatient", "Temporary", "Charity")
        VALUES ({beneficiary}, {year}, 0, 0, 0, 0, 0, 0, 0)
        ON CONFLICT ("BeneficiaryId", "Year") DO UPDATE SET "Year" = excluded."Year"
        """;

    /// <summary>Usage rows of several beneficiaries for the year (created at zero where missing), locked in beneficiary order.</summary>
    public async Task<IReadOnlyList<BeneficiaryYearUsage>> UsagesAsync(IReadOnlyList<long> beneficiaryIds, int year, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(beneficiaryIds);
        var ordered = beneficiaryIds.Order().ToArray();
        foreach (var beneficiaryId in ordered)
        {
            await db.Database.ExecuteSqlAsync(
                $"""
                INSERT INTO "BeneficiaryYearUsages" ("BeneficiaryId", "Year", "InsuranceSubsidy", "OutpatientDeductible", "InpatientDeductible", "Outpatient", "Inpatient", "Temporary", "Charity")
                VALUES ({beneficiaryId}, {year}, 0, 0, 0, 0, 0, 0, 0)
                ON CONFLICT DO NOTHING
                """,
                cancellationToken);
        }

        return LocksRows
            ? await db.BeneficiaryYearUsages
                .FromSql($"""SELECT * FROM "BeneficiaryYearUsages" WHERE "Year" = {year} AND "BeneficiaryId" = ANY({ordered}) ORDER BY "BeneficiaryId" FOR UPDATE""")
                .ToListAsync(cancellationToken)
            : await db.BeneficiaryYearUsages
                .Where(usage => usage.Year == year && ordered.Contains(usage.BeneficiaryId))
                .OrderBy(usage => usage.BeneficiaryId)
                .ToListAsync(cancellationToken);
    }

    /// <summary>Every channel's fund for the year, in channel order.</summary>
    public async Task<IReadOnlyList<Fund>> FundsAsync(int year, CancellationToken cancellationToken) =>
        LocksRows
            ? await db.Funds
                .FromSql($"""SELECT * FROM "Funds" WHERE "Year" = {year} ORDER BY "Id" FOR UPDATE""")
                .ToListAsync(cancellationToken)
            : await db.Funds.Where(fund => fund.Year == year).OrderBy(fund => fund.Id).ToListAsync(cancellationToken);
}
