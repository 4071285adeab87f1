using System.Text;
using System.Text.Json;
using MedicalAid.Client;
using MedicalAid.Contracts;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using WireMock;
using WireMock.RequestBuilders;
using WireMock.ResponseBuilders;
using WireMock.Server;
using WireMock.Settings;

namespace MedicalAid.MockHospital.Hospitals;

/// <summary>The two routes of <see cref="IHospitalCallbackApi"/>.</summary>
internal enum CallbackKind
{
    ClearingStatement,
    Notification,
}

/// <summary>What the mock hospital system did with one callback request.</summary>
internal enum DeliveryOutcome
{
    /// <summary>A new delivery id: stored, answered 204.</summary>
    Stored,

    /// <summary>A delivery id already stored: not stored again, answered 204 so that MedicalAid stops redelivering.</summary>
    Duplicate,

    /// <summary>An injected 500.</summary>
    Error,

    /// <summary>An injected dropped connection (the delivery was stored, or was a duplicate).</summary>
    Dropped,

    /// <summary>No delivery id, or a body that is not the contract's: answered 400.</summary>
    Refused,

    /// <summary>Unsigned, wrongly signed or stale (signed more than 5 minutes from the hospital's clock): answered 401, not stored.</summary>
    Unauthenticated,
}

internal sealed record CallbackAttempt(string? DeliveryId, CallbackKind Kind, DeliveryOutcome Outcome, DateTimeOffset At)
{
    /// <summary>What the signature check found (Valid for every attempt that got past it).</summary>
    public CallbackSignatureCheck Signature { get; init; } = CallbackSignatureCheck.Valid;
}

/// <summary>One deliberately bad delivery a mock hospital system sent itself, and what it answered.</summary>
internal sealed record BadDeliveryProbe(string What, int Status, DeliveryOutcome? Outcome);

/// <summary>A delivery the hospital stored: its id, what it was, the body as received and when it first arrived.</summary>
internal sealed record ReceivedCallback(string DeliveryId, CallbackKind Kind, string Body, DateTimeOffset ReceivedAt);

/// <summary>
/// A hospital's billing system as MedicalAid sees it: a WireMock.Net server on 127.0.0.1 implementing the two routes of
/// <see cref="IHospitalCallbackApi"/>. It verifies each delivery's signature with the hospital's callback secret and
/// refuses (401) unsigned, wrongly signed and stale ones, records every request, stores each delivery id once (a
/// redelivery is answered but recorded as a duplicate), and injects the configured <see cref="HospitalFaults"/>.
/// </summary>
internal sealed class MockHospitalSystem : IDisposable
{
    /// <summary>Set by the callback on an answer whose connection is to be dropped; the answer itself never leaves.</summary>
    private const string DropMarkerHeader = "X-MockHospital-Drop";

    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    private readonly Lock gate = new();
    private readonly List<CallbackAttempt> attempts = [];
    private readonly Dictionary<string, ReceivedCallback> deliveries = new(StringComparer.Ordinal);
    private readonly HashSet<string> attemptedDeliveryIds = new(StringComparer.Ordinal);
    private readonly Dictionary<string, int> attemptCounts = new(StringComparer.Ordinal);
    private readonly List<string> callbackSecrets = [];
    private readonly HospitalFaults faults;
    private readonly Random random;
    private readonly TimeProvider time;
    private readonly WireMockServer server;

    private MockHospitalSystem(string hospitalCode, int port, HospitalFaults faults, int seed, TimeProvider time, string? callbackSecret)
    {
        HospitalCode = hospitalCode;
        if (!string.IsNullOrEmpty(callbackSecret))
        {
            callbackSecrets.Add(callbackSecret);
        }

        this.faults = faults;
#pragma warning disable CA5394 // Reproducible faults, not security: a seeded Random is the point.
        random = new Random(seed);
#pragma warning restore CA5394
        this.time = time;
        server = WireMockServer.Start(new WireMockServerSettings
        {
            Urls = [$"http://127.0.0.1:{port}"],
            StartAdminInterface = false,
            MaxRequestLogCount = 100,
            PreWireMockMiddlewareInit = app => ((IApplicationBuilder)app).Use(DropMarkedAnswers),
        });
        // WireMock.Net listens on the loopback addresses only (for 127.0.0.1 it binds 127.0.0.1 and ::1) and reports
        // "localhost"; the URL handed out names 127.0.0.1.
        Url = new Uri($"http://127.0.0.1:{server.Ports[0]}/");
        foreach (var (kind, path) in new[] { (CallbackKind.ClearingStatement, "/medicalaid/clearing-statements"), (CallbackKind.Notification, "/medicalaid/notifications") })
        {
            var response = Response.Create();
            if (faults.Delay > TimeSpan.Zero)
            {
                response = response.WithDelay(faults.Delay);
            }

            server.Given(Request.Create().WithPath(path).UsingPost())
                .RespondWith(response.WithCallback(request => Receive(kind, request)));
        }
    }

    public string HospitalCode { get; }

    /// <summary>The callback base URL to register for the hospital.</summary>
    public Uri Url { get; }

    /// <summary>Every callback request, in arrival order.</summary>
    public IReadOnlyList<CallbackAttempt> Attempts
    {
        get
        {
            lock (gate)
            {
                return attempts.ToArray();
            }
        }
    }

    /// <summary>Each delivery stored, once, in arrival order.</summary>
    public IReadOnlyList<ReceivedCallback> Deliveries
    {
        get
        {
            lock (gate)
            {
                return deliveries.Values.OrderBy(delivery => delivery.ReceivedAt).ToArray();
            }
        }
    }

    /// <summary>
    /// Starts the system on <paramref name="port"/>, or on a free port when it is 0, accepting deliveries signed with
    /// <paramref name="callbackSecret"/> (the hospital's, as MedicalAid showed it at registration). Without a secret it
    /// accepts nothing until <see cref="TrustCallbackSecret"/> is called.
    /// </summary>
    public static MockHospitalSystem Start(
        string hospitalCode, int port = 0, HospitalFaults? faults = null, int seed = 0, TimeProvider? time = null, string? callbackSecret = null) =>
        new(hospitalCode, port, faults ?? HospitalFaults.None, seed, time ?? TimeProvider.System, callbackSecret);

    /// <summary>
    /// Accepts deliveries signed with <paramref name="secret"/> as well: a hospital rolling out a rotated secret, or one
    /// system receiving for several registered hospitals.
    /// </summary>
    public void TrustCallbackSecret(string secret)
    {
        ArgumentException.ThrowIfNullOrEmpty(secret);
        lock (gate)
        {
            callbackSecrets.Add(secret);
        }
    }

    /// <summary>
    /// Sends this system the deliveries MedicalAid must never send — unsigned, signed with a wrong secret, and signed
    /// six minutes ago with the right one — and reports what it answered to each (401 every time, nothing stored).
    /// </summary>
    public async Task<IReadOnlyList<BadDeliveryProbe>> SendBadDeliveriesAsync(CancellationToken cancellationToken)
    {
        string? secret;
        lock (gate)
        {
            secret = callbackSecrets.FirstOrDefault();
        }

        var body = JsonSerializer.SerializeToUtf8Bytes(new HospitalNotification
        {
            NotificationId = Guid.NewGuid(),
            Kind = "bad-delivery-probe",
            Message = "A delivery the hospital must refuse.",
            At = time.GetUtcNow(),
        }, Json);
        var now = time.GetUtcNow();
        (string What, string? Signature)[] probes =
        [
            ("unsigned", null),
            ("wrong secret", CallbackSignature.Create("not-the-hospital-secret", now, body)),
            ("stale (signed 6 minutes ago)", secret is null ? null : CallbackSignature.Create(secret, now - TimeSpan.FromMinutes(6), body)),
        ];
        using var http = new HttpClient { BaseAddress = Url };
        var results = new List<BadDeliveryProbe>();
        foreach (var (what, signature) in probes)
        {
            using var request = new HttpRequestMessage(HttpMethod.Post, "medicalaid/notifications") { Content = new ByteArrayContent(body) };
            request.Content.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue("application/json");
            request.Headers.Add(IHospitalCallbackApi.DeliveryIdHeader, $"bad-{Guid.NewGuid():N}");
            if (signature is not null)
            {
                request.Headers.Add(CallbackSignature.Header, signature);
            }

            using var response = await http.SendAsync(request, cancellationToken);
            var attempted = Attempts;
            var outcome = attempted.Count == 0 ? (DeliveryOutcome?)null : attempted[^1].Outcome;
            results.Add(new BadDeliveryProbe(what, (int)response.StatusCode, outcome));
        }

        return results;
    }

    public int Count(DeliveryOutcome outcome)
    {
        lock (gate)
        {
            return attempts.Count(attempt => attempt.Outcome == outcome);
        }
    }

    private ResponseMessage Receive(CallbackKind kind, IRequestMessage request)
    {
        var deliveryId = Header(request, IHospitalCallbackApi.DeliveryIdHeader);
        var now = time.GetUtcNow();
        lock (gate)
        {
            // The signature first, over the body's exact bytes: nothing unsigned is parsed, stored or even counted as an attempt.
            var body = request.BodyAsBytes ?? Encoding.UTF8.GetBytes(request.Body ?? "");
            var signature = CallbackSignature.Verify(Header(request, CallbackSignature.Header), body, callbackSecrets, now);
            if (signature != CallbackSignatureCheck.Valid)
            {
                attempts.Add(new CallbackAttempt(deliveryId, kind, DeliveryOutcome.Unauthenticated, now) { Signature = signature });
                return Answer(401);
            }

            if (string.IsNullOrWhiteSpace(deliveryId) || !IsContractBody(kind, request.Body))
            {
                attempts.Add(new CallbackAttempt(deliveryId, kind, DeliveryOutcome.Refused, now));
                return Answer(400);
            }

            var attempt = attemptCounts[deliveryId] = attemptCounts.GetValueOrDefault(deliveryId) + 1;
            var fault = attempt <= faults.FailFirstAttempts ? FaultKind.Error : FaultFor(isFirstAttempt: attemptedDeliveryIds.Add(deliveryId));
            if (fault == FaultKind.Error)
            {
                attempts.Add(new CallbackAttempt(deliveryId, kind, DeliveryOutcome.Error, now));
                return Answer(500);
            }

            var isNew = deliveries.TryAdd(deliveryId, new ReceivedCallback(deliveryId, kind, request.Body ?? "", now));
            if (fault == FaultKind.Drop)
            {
                attempts.Add(new CallbackAttempt(deliveryId, kind, DeliveryOutcome.Dropped, now));
                var dropped = Answer(204);
                dropped.AddHeader(DropMarkerHeader, "true");
                return dropped;
            }

            attempts.Add(new CallbackAttempt(deliveryId, kind, isNew ? DeliveryOutcome.Stored : DeliveryOutcome.Duplicate, now));
            return Answer(204);
        }
    }

    /// <summary>The first attempt of a delivery gets <see cref="HospitalFaults.FirstAttempt"/>; any attempt may get a random fault.</summary>
    private FaultKind FaultFor(bool isFirstAttempt)
    {
        if (isFirstAttempt && faults.FirstAttempt != FaultKind.None)
        {
            return faults.FirstAttempt;
        }

#pragma warning disable CA5394 // Reproducible faults, not security.
        var roll = random.NextDouble();
#pragma warning restore CA5394
        return roll < faults.ErrorRate ? FaultKind.Error
            : roll < faults.ErrorRate + faults.DropRate ? FaultKind.Drop
            : FaultKind.None;
    }

    private static bool IsContractBody(CallbackKind kind, string? body)
    {
        if (string.IsNullOrWhiteSpace(body))
        {
            return false;
        }

        try
        {
            return kind switch
            {
                CallbackKind.ClearingStatement => JsonSerializer.Deserialize<ClearingStatementNotice>(body, Json) is not null,
                _ => JsonSerializer.Deserialize<HospitalNotification>(body, Json) is not null,
            };
        }
        catch (JsonException)
        {
            return false;
        }
    }

    private static string? Header(IRequestMessage request, string name) =>
        request.Headers?.FirstOrDefault(header => string.Equals(header.Key, name, StringComparison.OrdinalIgnoreCase)).Value?.FirstOrDefault();

    private static ResponseMessage Answer(int status) => new() { StatusCode = status };

    /// <summary>
    /// Runs before WireMock's own middleware: an answer marked by <see cref="Receive"/> aborts the connection just before its
    /// headers would be sent. (WireMock.Net's FaultType.EMPTY_RESPONSE and MALFORMED_RESPONSE_CHUNK still send the status
    /// line, so a client would see a success.)
    /// </summary>
    private static Task DropMarkedAnswers(HttpContext context, Func<Task> next)
    {
        context.Response.OnStarting(() =>
        {
            if (context.Response.Headers.ContainsKey(DropMarkerHeader))
            {
                context.Abort();
            }

            return Task.CompletedTask;
        });
        return next();
    }

    public void Dispose()
    {
        server.Stop();
        server.Dispose();
    }
}
