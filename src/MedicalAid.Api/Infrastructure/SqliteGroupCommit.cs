using System.Threading.Channels;
using Microsoft.EntityFrameworkCore.Storage;

namespace MedicalAid.Api.Infrastructure;

/// <summary>
/// SQLite writes one transaction at a time, and each commit waits for the disk: the fsync of the write-ahead log took
/// 1.2 of the 2.3 ms a settlement held the writer (measured at 8 concurrent settlements). Work queued behind the
/// writer is therefore committed together: one transaction, a savepoint around each piece of work so that a refusal
/// or a failure undoes only its own writes, and one commit for all. No answer is given before the commit that makes it
/// durable; when that commit fails, every piece of work in it fails and nothing of it is stored. PostgreSQL already
/// groups the log flushes of concurrent commits itself, so there the work runs in its own transaction
/// (<see cref="TransactionRunner"/>). <see cref="DatabaseOptions.GroupCommit"/> turns the batching off.
/// </summary>
public sealed partial class SqliteGroupCommit(
    IServiceScopeFactory scopes, WriteGate writeGate, DatabaseOptions options, ILogger<SqliteGroupCommit> logger) : BackgroundService
{
    /// <summary>Most pieces of work in one transaction: enough to share a commit, few enough to answer promptly.</summary>
    public const int MaxBatch = 32;

    private const int MaxAttempts = 8;
    private const string Savepoint = "work";

    private readonly Channel<Work> queue = Channel.CreateUnbounded<Work>(new UnboundedChannelOptions { SingleReader = true });

    public bool Enabled { get; } = options.Provider == DatabaseProvider.Sqlite && options.GroupCommit;

    /// <summary>
    /// Runs <paramref name="work"/> in the next shared transaction, on that transaction's context, and answers once it
    /// committed. A result that is a refusal (<see cref="IRefusable"/>) has its writes rolled back. The work must write
    /// only through the context it is given, read there whatever must not change before the commit (what another
    /// settlement could change: usage, keys, visits, funds), and touch nothing outside the database.
    /// </summary>
    public async Task<T> RunAsync<T>(Func<MedicalAidDbContext, CancellationToken, Task<T>> work, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(work);
        if (!Enabled)
        {
            throw new InvalidOperationException("Group commit is off; run the work with TransactionRunner.");
        }

        var queued = new Work<T>(work, cancellationToken);
        await queue.Writer.WriteAsync(queued, cancellationToken);
        return await queued.Reply.WaitAsync(cancellationToken);
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (!Enabled)
        {
            return;
        }

        var batch = new List<Work>(MaxBatch);
        try
        {
            while (await queue.Reader.WaitToReadAsync(stoppingToken))
            {
                using (await writeGate.EnterAsync(stoppingToken))
                {
                    // Taken once the writer is free, so that everything that queued meanwhile shares this commit.
                    while (batch.Count < MaxBatch && queue.Reader.TryRead(out var work))
                    {
                        batch.Add(work);
                    }

                    await CommitTogetherAsync(batch, stoppingToken);
                }

                batch.Clear();
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
        finally
        {
            queue.Writer.TryComplete();
            foreach (var work in batch)
            {
                work.Cancel();
            }

            while (queue.Reader.TryRead(out var work))
            {
                work.Cancel();
            }
        }
    }

    private async Task CommitTogetherAsync(List<Work> batch, CancellationToken stoppingToken)
    {
        for (var attempt = 1; ; attempt++)
        {
            foreach (var work in batch)
            {
                work.Reset();
            }

            var committed = false;
            try
            {
                await using var scope = scopes.CreateAsyncScope();
                var db = scope.ServiceProvider.GetRequiredService<MedicalAidDbContext>();
                db.Database.AutoSavepointsEnabled = false;
                await using var transaction = await db.Database.BeginTransactionAsync(stoppingToken);
                foreach (var work in batch)
                {
                    await RunOneAsync(db, transaction, work, stoppingToken);
                }

                await transaction.CommitAsync(stoppingToken);
                committed = true;
            }
            catch (Exception exception) when (committed)
            {
                // Only the clean-up after the commit failed: the work is stored, and its callers are told so.
                LogCleanupFailed(logger, exception, batch.Count);
            }
            catch (Exception exception) when (attempt < MaxAttempts && DatabaseErrors.IsTransient(exception))
            {
                LogBatchRetry(logger, exception, attempt, batch.Count);
                await Task.Delay(TimeSpan.FromMilliseconds(Random.Shared.Next(1, 5 * attempt)), stoppingToken);
                continue;
            }
            catch (Exception exception) when (exception is not OperationCanceledException || !stoppingToken.IsCancellationRequested)
            {
                LogBatchFailed(logger, exception, batch.Count);
                var failure = DatabaseErrors.IsTransient(exception) ? new DatabaseBusyException(exception) : exception;
                foreach (var work in batch)
                {
                    work.Fail(failure);
                }

                return;
            }

            foreach (var work in batch)
            {
                work.Answer();
            }

            return;
        }
    }

    /// <summary>
    /// One piece of work inside its savepoint: kept if it succeeded, undone if it refused or failed. It is not run again
    /// after a conflict, as a transaction of its own would be: the shared transaction holds the only write lock, so a
    /// second run would read exactly what the first did. A conflict (unique index, moved fund) is answered as a busy
    /// database, which the caller may retry; any other failure is the caller's own.
    /// </summary>
    private static async Task RunOneAsync(MedicalAidDbContext db, IDbContextTransaction transaction, Work work, CancellationToken stoppingToken)
    {
        if (work.Abandoned)
        {
            return;
        }

        db.ChangeTracker.Clear();
        await transaction.CreateSavepointAsync(Savepoint, stoppingToken);
        bool keep;
        try
        {
            keep = await work.RunAsync(db, stoppingToken);
        }
        catch (Exception exception) when (exception is not OperationCanceledException || !stoppingToken.IsCancellationRequested)
        {
            await transaction.RollbackToSavepointAsync(Savepoint, stoppingToken);
            await transaction.ReleaseSavepointAsync(Savepoint, stoppingToken);
            work.Failed(DatabaseErrors.IsUniqueViolation(exception) || DatabaseErrors.IsTransient(exception) ? new DatabaseBusyException(exception) : exception);
            return;
        }

        if (!keep)
        {
            await transaction.RollbackToSavepointAsync(Savepoint, stoppingToken);
        }

        await transaction.ReleaseSavepointAsync(Savepoint, stoppingToken);
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Shared transaction of {Count} committed, but closing it failed")]
    private static partial void LogCleanupFailed(ILogger logger, Exception exception, int count);

    [LoggerMessage(Level = LogLevel.Information, Message = "Shared transaction of {Count} attempt {Attempt} met a busy database; running it again")]
    private static partial void LogBatchRetry(ILogger logger, Exception exception, int attempt, int count);

    [LoggerMessage(Level = LogLevel.Error, Message = "Shared transaction of {Count} failed; none of it was committed")]
    private static partial void LogBatchFailed(ILogger logger, Exception exception, int count);

    private abstract class Work
    {
        /// <summary>The caller stopped waiting before the work began: it is skipped, as if never sent.</summary>
        public abstract bool Abandoned { get; }

        /// <summary>Forgets a result from an attempt of the shared transaction that did not commit.</summary>
        public abstract void Reset();

        /// <summary>Runs the work; false if its result is a refusal whose writes are to be undone.</summary>
        public abstract Task<bool> RunAsync(MedicalAidDbContext db, CancellationToken cancellationToken);

        /// <summary>The work itself failed; its writes were undone. Told to the caller with the others' answers.</summary>
        public abstract void Failed(Exception exception);

        /// <summary>The transaction committed: the caller gets the work's result or its own failure.</summary>
        public abstract void Answer();

        /// <summary>The transaction did not commit: nothing of the work is stored.</summary>
        public abstract void Fail(Exception exception);

        public abstract void Cancel();
    }

    private sealed class Work<T>(Func<MedicalAidDbContext, CancellationToken, Task<T>> work, CancellationToken callerAborted) : Work
    {
        private readonly TaskCompletionSource<T> reply = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private bool ran;
        private T? result;
        private Exception? failure;

        public Task<T> Reply => reply.Task;

        public override bool Abandoned => callerAborted.IsCancellationRequested;

        public override void Reset()
        {
            ran = false;
            result = default;
            failure = null;
        }

        public override async Task<bool> RunAsync(MedicalAidDbContext db, CancellationToken cancellationToken)
        {
            ran = true;
            failure = null;
            result = await work(db, cancellationToken);
            return result is not IRefusable { IsRefusal: true };
        }

        public override void Failed(Exception exception) => failure = exception;

        public override void Answer()
        {
            if (!ran)
            {
                reply.TrySetCanceled(callerAborted);
            }
            else if (failure is not null)
            {
                reply.TrySetException(failure);
            }
            else
            {
                reply.TrySetResult(result!);
            }
        }

        public override void Fail(Exception exception) => reply.TrySetException(exception);

        public override void Cancel() => reply.TrySetCanceled();
    }
}
