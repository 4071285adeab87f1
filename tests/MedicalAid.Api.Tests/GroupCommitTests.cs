using MedicalAid.Api.Infrastructure;
using MedicalAid.Api.Settlements;
using MedicalAid.Api.Tests.Infrastructure;
using Microsoft.AspNetCore.Mvc;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace MedicalAid.Api.Tests;

/// <summary>
/// SQLite's group commit, driven directly: work queued while the writer is busy runs in one shared transaction, each
/// piece inside its own savepoint, and is answered only once that transaction committed.
/// </summary>
public sealed class GroupCommitTests(SqliteFixture fixture) : ApiTestBase(fixture), IClassFixture<SqliteFixture>
{
    private static CancellationToken Cancel => TestContext.Current.CancellationToken;

    [Fact]
    public async Task WorkQueuedBehindTheWriter_SharesOneCommit_AndARefusalOrAFailureUndoesOnlyItsOwnWrites()
    {
        var groupCommit = App.Services.GetRequiredService<SqliteGroupCommit>();
        var keys = Enumerable.Range(0, 4).Select(_ => "group-" + Guid.NewGuid()).ToArray();
        var hospitalId = await HospitalIdAsync();
        Task<Outcome<string>> kept, refused, failed, keptToo;

        // Holding the writer makes the four queue behind it, so that they are taken into one transaction together.
        using (await App.Services.GetRequiredService<WriteGate>().EnterAsync(Cancel))
        {
            kept = groupCommit.RunAsync((db, ct) => RecordKeyAsync(db, hospitalId, keys[0], refuse: false, ct), Cancel);
            refused = groupCommit.RunAsync((db, ct) => RecordKeyAsync(db, hospitalId, keys[1], refuse: true, ct), Cancel);
            failed = groupCommit.RunAsync<Outcome<string>>(async (db, ct) =>
            {
                await RecordKeyAsync(db, hospitalId, keys[2], refuse: false, ct);
                throw new InvalidOperationException("This work fails after writing.");
            }, Cancel);
            keptToo = groupCommit.RunAsync((db, ct) => RecordKeyAsync(db, hospitalId, keys[3], refuse: false, ct), Cancel);
            Assert.False(kept.IsCompleted, "Nothing is answered before the shared transaction commits.");
        }

        Assert.Null((await kept).Problem);
        Assert.NotNull((await refused).Problem);
        await Assert.ThrowsAsync<InvalidOperationException>(() => failed);
        Assert.Null((await keptToo).Problem);
        Assert.Equal([keys[0], keys[3]], await StoredAsync(keys));
    }

    [Fact]
    public async Task WhenTheSharedTransactionCannotCommit_EveryWorkInItFails_AndNothingOfItIsStored()
    {
        var groupCommit = App.Services.GetRequiredService<SqliteGroupCommit>();
        var keys = Enumerable.Range(0, 3).Select(_ => "group-" + Guid.NewGuid()).ToArray();
        var hospitalId = await HospitalIdAsync();
        Task<Outcome<string>> before, breaking, after;

        using (await App.Services.GetRequiredService<WriteGate>().EnterAsync(Cancel))
        {
            before = groupCommit.RunAsync((db, ct) => RecordKeyAsync(db, hospitalId, keys[0], refuse: false, ct), Cancel);
            breaking = groupCommit.RunAsync(async (db, ct) =>
            {
                await RecordKeyAsync(db, hospitalId, keys[1], refuse: false, ct);
                await db.Database.ExecuteSqlRawAsync("ROLLBACK", ct);
                return Outcome.Success("rolled the shared transaction back", 200);
            }, Cancel);
            after = groupCommit.RunAsync((db, ct) => RecordKeyAsync(db, hospitalId, keys[2], refuse: false, ct), Cancel);
        }

        foreach (var work in new[] { before, breaking, after })
        {
            await Assert.ThrowsAnyAsync<Exception>(() => work);
        }

        Assert.Empty(await StoredAsync(keys));

        // The writer is free again and the next work commits normally.
        var next = "group-" + Guid.NewGuid();
        Assert.Null((await groupCommit.RunAsync((db, ct) => RecordKeyAsync(db, hospitalId, next, refuse: false, ct), Cancel)).Problem);
        Assert.Equal([next], await StoredAsync([next]));
    }

    [Fact]
    public async Task AConflictInsideTheSharedTransaction_IsAnsweredAsABusyDatabase_AndTheOthersAreKept()
    {
        var groupCommit = App.Services.GetRequiredService<SqliteGroupCommit>();
        var hospitalId = await HospitalIdAsync();
        var taken = "group-" + Guid.NewGuid();
        await groupCommit.RunAsync((db, ct) => RecordKeyAsync(db, hospitalId, taken, refuse: false, ct), Cancel);
        var keys = new[] { "group-" + Guid.NewGuid(), "group-" + Guid.NewGuid() };
        Task<Outcome<string>> before, conflicting, after;

        using (await App.Services.GetRequiredService<WriteGate>().EnterAsync(Cancel))
        {
            before = groupCommit.RunAsync((db, ct) => RecordKeyAsync(db, hospitalId, keys[0], refuse: false, ct), Cancel);
            conflicting = groupCommit.RunAsync((db, ct) => RecordKeyAsync(db, hospitalId, taken, refuse: false, ct), Cancel);
            after = groupCommit.RunAsync((db, ct) => RecordKeyAsync(db, hospitalId, keys[1], refuse: false, ct), Cancel);
        }

        var busy = await Assert.ThrowsAsync<DatabaseBusyException>(() => conflicting);
        Assert.True(DatabaseErrors.IsUniqueViolation(busy), "The busy answer carries the unique violation it came from.");
        Assert.Null((await before).Problem);
        Assert.Null((await after).Problem);
        Assert.Equal(keys, await StoredAsync(keys));
    }

    private static async Task<Outcome<string>> RecordKeyAsync(MedicalAidDbContext db, int hospitalId, string key, bool refuse, CancellationToken cancellationToken)
    {
        db.IdempotencyRecords.Add(new IdempotencyRecord
        {
            HospitalId = hospitalId,
            Key = key,
            Operation = IdempotentOperation.Voided,
            RequestFingerprint = "",
            ResponseStatus = 409,
            CreatedAt = DateTimeOffset.UtcNow,
        });
        await db.SaveChangesAsync(cancellationToken);
        return refuse
            ? new Outcome<string>(null, 409, new ProblemDetails { Status = 409, Title = "Refused after writing." }, false)
            : Outcome.Success(key, 200);
    }

    private Task<int> HospitalIdAsync() => App.WithDbAsync(db => db.Hospitals.OrderBy(hospital => hospital.Id).Select(hospital => hospital.Id).FirstAsync(Cancel));

    private Task<string[]> StoredAsync(string[] keys) =>
        App.WithDbAsync(async db => (await db.IdempotencyRecords.AsNoTracking()
            .Where(record => keys.Contains(record.Key))
            .Select(record => record.Key)
            .ToListAsync(Cancel)).OrderBy(key => Array.IndexOf(keys, key)).ToArray());
}
