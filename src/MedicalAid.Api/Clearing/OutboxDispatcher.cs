using System.Text.Json;
using MedicalAid.Api.Hospitals;
using MedicalAid.Api.Infrastructure;
using MedicalAid.Client;
using MedicalAid.Contracts;
using Microsoft.EntityFrameworkCore;
using Refit;

namespace MedicalAid.Api.Clearing;

/// <summary>
/// Delivers due <see cref="OutboxMessage">outbox messages</see> to hospital callback URLs. Each pass claims a batch in a
/// short transaction by pushing the rows' next attempt a lease ahead (PostgreSQL: SELECT … FOR UPDATE SKIP LOCKED, so
/// instances claim different rows; SQLite: one writer at a time), then calls each hospital outside any transaction.
/// A 2xx marks the row delivered; anything else records the error and backs off exponentially. Everything is in the
/// table, so a restart resumes where it stopped, and a row whose instance died is claimed again when its lease ends.
/// The delivery id never changes, so a redelivery after a lost answer is dropped by the hospital. Every attempt is
/// signed with the hospital's callback secret (<see cref="CallbackSignature"/>) and connects only where
/// <see cref="CallbackUrlPolicy"/> allows, checked again at each attempt.
/// </summary>
public sealed partial class OutboxDispatcher(
    IServiceScopeFactory scopes,
    IHttpMessageHandlerFactory httpHandlers,
    CallbackUrlPolicy callbackUrls,
    CallbackSecrets callbackSecrets,
    TimeProvider time,
    IConfiguration configuration,
    ILogger<OutboxDispatcher> logger)
    : BackgroundService
{
    public const string HttpClientName = "hospital-callbacks";
    public const int BatchSize = 20;

    /// <summary>How long a claimed row is left to the instance that claimed it (longer than a callback may take).</summary>
    public static readonly TimeSpan Lease = TimeSpan.FromMinutes(2);

    public static readonly TimeSpan CallbackTimeout = TimeSpan.FromSeconds(30);

    public static readonly TimeSpan MaxBackoff = TimeSpan.FromHours(1);

    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    public bool Enabled => configuration.GetValue("Clearing:Enabled", true);

    public TimeSpan Interval =>
        configuration.GetValue("Clearing:DispatchInterval", TimeSpan.FromSeconds(5)) is var interval && interval > TimeSpan.Zero
            ? interval
            : TimeSpan.FromSeconds(5);

    /// <summary>The wait before attempt <paramref name="attempts"/> + 1, after <paramref name="attempts"/> failed: 2^attempts seconds, at most an hour.</summary>
    public static TimeSpan Backoff(int attempts) =>
        attempts >= 12 ? MaxBackoff : TimeSpan.FromSeconds(Math.Min(MaxBackoff.TotalSeconds, Math.Pow(2, attempts)));

    /// <summary>Claims the due messages (at most one batch) and delivers each once. Returns how many were delivered.</summary>
    public async Task<DispatchResult> DispatchDueAsync(CancellationToken cancellationToken)
    {
        IReadOnlyList<OutboxMessage> claimed;
        Dictionary<int, (string Code, string? Url, string? Secret)> hospitals;
        await using (var scope = scopes.CreateAsyncScope())
        {
            var db = scope.ServiceProvider.GetRequiredService<MedicalAidDbContext>();
            var transactions = scope.ServiceProvider.GetRequiredService<TransactionRunner>();
            claimed = await transactions.RunAsync(token => ClaimAsync(db, token), cancellationToken);
            if (claimed.Count == 0)
            {
                return new DispatchResult(0, 0);
            }

            var hospitalIds = claimed.Select(message => message.HospitalId).Distinct().ToArray();
            hospitals = await db.Hospitals.AsNoTracking()
                .Where(hospital => hospitalIds.Contains(hospital.Id))
                .ToDictionaryAsync(
                    hospital => hospital.Id,
                    hospital => (hospital.Code, hospital.IsActive ? hospital.CallbackBaseUrl : null, hospital.CallbackSecretProtected),
                    cancellationToken);
        }

        var delivered = 0;
        var failed = 0;
        foreach (var message in claimed)
        {
            var (code, url, secret) = hospitals.GetValueOrDefault(message.HospitalId, ("?", null, null));
            var error = await DeliverAsync(message, url, callbackSecrets.Unprotect(secret), cancellationToken);
            await using var scope = scopes.CreateAsyncScope();
            var db = scope.ServiceProvider.GetRequiredService<MedicalAidDbContext>();
            var transactions = scope.ServiceProvider.GetRequiredService<TransactionRunner>();
            var now = time.GetUtcNow();
            if (error is null)
            {
                delivered++;
                await transactions.RunAsync(
                    token => db.OutboxMessages
                        .Where(row => row.Id == message.Id && row.DeliveredAt == null)
                        .ExecuteUpdateAsync(set => set.SetProperty(row => row.DeliveredAt, now).SetProperty(row => row.LastError, (string?)null), token),
                    cancellationToken);
                LogDelivered(logger, message.Kind, code, message.Attempts);
            }
            else
            {
                failed++;
                var next = now + Backoff(message.Attempts);
                var recorded = error.Length > OutboxMessageConfiguration.MaxErrorLength ? error[..OutboxMessageConfiguration.MaxErrorLength] : error;
                await transactions.RunAsync(
                    token => db.OutboxMessages
                        .Where(row => row.Id == message.Id && row.DeliveredAt == null)
                        .ExecuteUpdateAsync(set => set.SetProperty(row => row.NextAttemptAt, next).SetProperty(row => row.LastError, recorded), token),
                    cancellationToken);
                LogFailed(logger, message.Kind, code, message.Attempts, next, error);
            }
        }

        return new DispatchResult(delivered, failed);
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (!Enabled)
        {
            return;
        }

        using var timer = new PeriodicTimer(Interval, time);
        do
        {
            try
            {
                // A full batch suggests more are due: go again at once.
                while ((await DispatchDueAsync(stoppingToken)).Claimed == BatchSize)
                {
                }
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
#pragma warning disable CA1031 // The loop must outlive a database outage; the failure is logged and the next tick retries.
            catch (Exception exception)
#pragma warning restore CA1031
            {
                LogPassFailed(logger, exception);
            }
        }
        while (await timer.WaitForNextTickAsync(stoppingToken));
    }

    private async Task<IReadOnlyList<OutboxMessage>> ClaimAsync(MedicalAidDbContext db, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        var due = db.Database.IsNpgsql()
            ? await db.OutboxMessages
                .FromSql($"""
                    SELECT * FROM "OutboxMessages"
                    WHERE "DeliveredAt" IS NULL AND "NextAttemptAt" <= {now}
                    ORDER BY "NextAttemptAt"
                    LIMIT {BatchSize}
                    FOR UPDATE SKIP LOCKED
                    """)
                .ToListAsync(cancellationToken)
            : await db.OutboxMessages
                .Where(message => message.DeliveredAt == null && message.NextAttemptAt <= now)
                .OrderBy(message => message.NextAttemptAt)
                .Take(BatchSize)
                .ToListAsync(cancellationToken);
        foreach (var message in due)
        {
            message.Attempts++;
            message.NextAttemptAt = now + Lease;
        }

        await db.SaveChangesAsync(cancellationToken);
        return due;
    }

    /// <summary>One attempt; null on a 2xx answer, else what went wrong.</summary>
    private async Task<string?> DeliverAsync(OutboxMessage message, string? callbackBaseUrl, string? secret, CancellationToken cancellationToken)
    {
        if (string.IsNullOrWhiteSpace(callbackBaseUrl) || !Uri.TryCreate(callbackBaseUrl, UriKind.Absolute, out var baseUrl))
        {
            return "The hospital has no callback URL, or is inactive.";
        }

        if (callbackUrls.FormProblem(baseUrl) is { } urlProblem)
        {
            return $"The callback URL is no longer allowed: {urlProblem}";
        }

        if (secret is null)
        {
            return "The hospital has no callback secret that can be read: issue one (POST /api/v1/admin/hospitals/{code}/callback-secret).";
        }

        if (message.Kind != OutboxMessage.ClearingStatementKind)
        {
            return $"Unknown message kind {message.Kind}.";
        }

        try
        {
            var statement = JsonSerializer.Deserialize<ClearingStatementNotice>(message.Payload, Json)
                ?? throw new JsonException("Empty payload.");
            // The pooled handler (its connections, and the address check in its connect callback) under a signer of this hospital's own.
            using var signer = new CallbackSigningHandler(secret, time) { InnerHandler = httpHandlers.CreateHandler(HttpClientName) };
            using var http = new HttpClient(signer, disposeHandler: false) { BaseAddress = baseUrl, Timeout = CallbackTimeout };
            var api = RestService.For<IHospitalCallbackApi>(http, MedicalAidClientSetup.Settings());
            await api.DeliverClearingStatementAsync(statement, message.DeliveryId, cancellationToken);
            return null;
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            throw;
        }
        catch (Exception exception) when (exception is HttpRequestException or TaskCanceledException or ApiException or MedicalAidProblemException or JsonException)
        {
            return $"{exception.GetType().Name}: {exception.Message}";
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Delivered {Kind} to hospital {HospitalCode} on attempt {Attempt}")]
    private static partial void LogDelivered(ILogger logger, string kind, string hospitalCode, int attempt);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Delivery of {Kind} to hospital {HospitalCode} failed on attempt {Attempt}; next attempt at {NextAttemptAt}: {Error}")]
    private static partial void LogFailed(ILogger logger, string kind, string hospitalCode, int attempt, DateTimeOffset nextAttemptAt, string error);

    [LoggerMessage(Level = LogLevel.Error, Message = "An outbox dispatch pass failed; the next pass retries")]
    private static partial void LogPassFailed(ILogger logger, Exception exception);
}

/// <summary>What one dispatch pass did.</summary>
public readonly record struct DispatchResult(int Delivered, int Failed)
{
    public int Claimed => Delivered + Failed;
}
