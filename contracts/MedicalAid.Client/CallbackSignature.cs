using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace MedicalAid.Client;

/// <summary>What <see cref="CallbackSignature"/>.Verify found.</summary>
public enum CallbackSignatureCheck
{
    /// <summary>Signed with one of the hospital's secrets, within the tolerance: accept it.</summary>
    Valid,

    /// <summary>No <c>X-MedicalAid-Signature</c> header: refuse it.</summary>
    Missing,

    /// <summary>A header that is not <c>t=…,v1=…</c>: refuse it.</summary>
    Malformed,

    /// <summary>Signed too long ago (or in the future): a replay, refuse it.</summary>
    Stale,

    /// <summary>No signature matches the body under the hospital's secret: forged or altered, refuse it.</summary>
    Mismatch,
}

/// <summary>
/// How MedicalAid signs every callback, the way payment providers sign webhooks. The header
/// <c>X-MedicalAid-Signature: t=1764388800,v1=5f2b…</c> carries the Unix time of signing (<c>t</c>) and the lower-case
/// hex HMAC-SHA256 (<c>v1</c>) of <c>"{t}." + body</c> — the body's exact bytes as received, before any parsing — keyed
/// with the UTF-8 bytes of the hospital's callback secret (shown once at registration or rotation). A hospital
/// recomputes it, compares in constant time, and refuses a delivery whose <c>t</c> is more than 5 minutes from its own
/// clock, so that a recorded delivery cannot be replayed later. During a secret rotation it may try both secrets.
/// </summary>
public static class CallbackSignature
{
    public const string Header = "X-MedicalAid-Signature";

    /// <summary>How far the signing time may be from the receiver's clock.</summary>
    public static readonly TimeSpan Tolerance = TimeSpan.FromMinutes(5);

    /// <summary>The header value for <paramref name="body"/> signed at <paramref name="timestamp"/>.</summary>
    public static string Create(string secret, DateTimeOffset timestamp, ReadOnlySpan<byte> body)
    {
        ArgumentException.ThrowIfNullOrEmpty(secret);
        var t = timestamp.ToUnixTimeSeconds();
        return $"t={t.ToString(CultureInfo.InvariantCulture)},v1={Convert.ToHexStringLower(Mac(secret, t, body))}";
    }

    /// <summary>
    /// Checks a delivery: <paramref name="header"/> as received (null when absent), the body's exact bytes, the
    /// hospital's secrets (the current one, and the previous one while a rotation is rolled out) and the receiver's clock.
    /// </summary>
    public static CallbackSignatureCheck Verify(
        string? header, ReadOnlySpan<byte> body, IEnumerable<string> secrets, DateTimeOffset now, TimeSpan? tolerance = null)
    {
        ArgumentNullException.ThrowIfNull(secrets);
        if (string.IsNullOrWhiteSpace(header))
        {
            return CallbackSignatureCheck.Missing;
        }

        long? t = null;
        var signatures = new List<byte[]>();
        foreach (var part in header.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
        {
            var pair = part.Split('=', 2);
            if (pair.Length != 2)
            {
                return CallbackSignatureCheck.Malformed;
            }

            if (pair[0] == "t" && long.TryParse(pair[1], NumberStyles.None, CultureInfo.InvariantCulture, out var seconds))
            {
                t = seconds;
            }
            else if (pair[0] == "v1" && pair[1].Length == 64 && pair[1].All(char.IsAsciiHexDigit))
            {
                signatures.Add(Convert.FromHexString(pair[1]));
            }
        }

        if (t is null || signatures.Count == 0)
        {
            return CallbackSignatureCheck.Malformed;
        }

        var signedAt = t.Value is < -62_135_596_800 or > 253_402_300_799 ? DateTimeOffset.MinValue : DateTimeOffset.FromUnixTimeSeconds(t.Value);
        if ((now - signedAt).Duration() > (tolerance ?? Tolerance))
        {
            return CallbackSignatureCheck.Stale;
        }

        foreach (var secret in secrets.Where(secret => !string.IsNullOrEmpty(secret)))
        {
            var expected = Mac(secret, t.Value, body);
            if (signatures.Any(signature => CryptographicOperations.FixedTimeEquals(signature, expected)))
            {
                return CallbackSignatureCheck.Valid;
            }
        }

        return CallbackSignatureCheck.Mismatch;
    }

    /// <summary>Checks a delivery against one secret.</summary>
    public static CallbackSignatureCheck Verify(string? header, ReadOnlySpan<byte> body, string secret, DateTimeOffset now, TimeSpan? tolerance = null) =>
        Verify(header, body, [secret], now, tolerance);

    private static byte[] Mac(string secret, long t, ReadOnlySpan<byte> body)
    {
        var prefix = Encoding.UTF8.GetBytes(t.ToString(CultureInfo.InvariantCulture) + ".");
        var signed = new byte[prefix.Length + body.Length];
        prefix.CopyTo(signed, 0);
        body.CopyTo(signed.AsSpan(prefix.Length));
        return HMACSHA256.HashData(Encoding.UTF8.GetBytes(secret), signed);
    }
}

/// <summary>
/// Signs each callback request as <see cref="CallbackSignature"/> describes, at the moment it is sent (each retry
/// afresh), and sends exactly the bytes it signed.
/// </summary>
public sealed class CallbackSigningHandler(string secret, TimeProvider? time = null) : DelegatingHandler
{
    private readonly TimeProvider clock = time ?? TimeProvider.System;

    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        var body = request.Content is null ? [] : await request.Content.ReadAsByteArrayAsync(cancellationToken).ConfigureAwait(false);
        if (request.Content is not null)
        {
            var exact = new ByteArrayContent(body);
            foreach (var header in request.Content.Headers)
            {
                exact.Headers.TryAddWithoutValidation(header.Key, header.Value);
            }

            request.Content = exact;
        }

        request.Headers.Remove(CallbackSignature.Header);
        request.Headers.TryAddWithoutValidation(CallbackSignature.Header, CallbackSignature.Create(secret, clock.GetUtcNow(), body));
        return await base.SendAsync(request, cancellationToken).ConfigureAwait(false);
    }
}
