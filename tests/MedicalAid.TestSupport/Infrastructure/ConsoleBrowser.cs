using System.Net;
using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Mvc.Testing;

namespace MedicalAid.Api.Tests.Infrastructure;

/// <summary>
/// A browser's view of the console's plain HTML pages: it keeps cookies, does not follow redirects (the tests check
/// them), and sends forms with the antiforgery field of the page they came from.
/// </summary>
public sealed partial class ConsoleBrowser(MedicalAidApp app) : IDisposable
{
    public HttpClient Client { get; } = app.CreateClient(new WebApplicationFactoryClientOptions { AllowAutoRedirect = false, HandleCookies = true });

    /// <summary>Signs in with the form at /console/sign-in; the answer is the form post's.</summary>
    public Task<HttpResponseMessage> SignInAsync(string username, string password) =>
        SubmitAsync("/console/sign-in", new Dictionary<string, string> { ["username"] = username, ["password"] = password });

    /// <summary>Gets <paramref name="formPage"/>, then posts its form with <paramref name="fields"/> and the page's antiforgery token.</summary>
    public async Task<HttpResponseMessage> SubmitAsync(string formPage, IReadOnlyDictionary<string, string> fields, string? action = null)
    {
        ArgumentNullException.ThrowIfNull(fields);
        var page = await GetPageAsync(formPage);
        var token = AntiforgeryField().Match(page);
        Assert.True(token.Success, $"{formPage} has no antiforgery field: {page}");
        var form = new Dictionary<string, string>(fields) { [token.Groups["name"].Value] = WebUtility.HtmlDecode(token.Groups["value"].Value) };
        using var content = new FormUrlEncodedContent(form);
        return await Client.PostAsync(action ?? formPage, content, TestContext.Current.CancellationToken);
    }

    /// <summary>
    /// Posts to the API with the console's cookie, as a console page would: with a page's antiforgery token in the
    /// RequestVerificationToken header (<paramref name="withToken"/> false leaves it out).
    /// </summary>
    public async Task<HttpResponseMessage> PostApiAsync(string path, HttpContent? content, bool withToken = true)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, path) { Content = content };
        if (withToken)
        {
            var page = await GetPageAsync("/console/sign-out");
            request.Headers.Add("RequestVerificationToken", WebUtility.HtmlDecode(AntiforgeryField().Match(page).Groups["value"].Value));
        }

        return await Client.SendAsync(request, TestContext.Current.CancellationToken);
    }

    public async Task<string> GetPageAsync(string path)
    {
        using var response = await Client.GetAsync(path, TestContext.Current.CancellationToken);
        Assert.True(response.StatusCode == HttpStatusCode.OK, $"GET {path}: {(int)response.StatusCode} {response.Headers.Location}");
        return await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken);
    }

    public void Dispose() => Client.Dispose();

    [GeneratedRegex("""<input type="hidden" name="(?<name>__RequestVerificationToken)" value="(?<value>[^"]*)">""")]
    private static partial Regex AntiforgeryField();
}

/// <summary>RFC 6238 codes, as an authenticator app computes them from the key the console shows.</summary>
public static class Totp
{
    public static string Code(string base32Key, DateTimeOffset at)
    {
        ArgumentNullException.ThrowIfNull(base32Key);
        var key = Base32(base32Key.Replace(" ", "", StringComparison.Ordinal).ToUpperInvariant());
        var counter = at.ToUnixTimeSeconds() / 30;
        Span<byte> message = stackalloc byte[8];
        System.Buffers.Binary.BinaryPrimitives.WriteInt64BigEndian(message, counter);
        // RFC 6238 (and every authenticator app) uses HMAC-SHA1 here.
#pragma warning disable CA5350
        var hash = System.Security.Cryptography.HMACSHA1.HashData(key, message);
#pragma warning restore CA5350
        var offset = hash[^1] & 0x0f;
        var binary = ((hash[offset] & 0x7f) << 24) | (hash[offset + 1] << 16) | (hash[offset + 2] << 8) | hash[offset + 3];
        return (binary % 1_000_000).ToString("D6", System.Globalization.CultureInfo.InvariantCulture);
    }

    private static byte[] Base32(string text)
    {
        const string Alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
        var bytes = new List<byte>();
        int buffer = 0, bits = 0;
        foreach (var character in text.TrimEnd('='))
        {
            buffer = (buffer << 5) | Alphabet.IndexOf(character, StringComparison.Ordinal);
            bits += 5;
            if (bits >= 8)
            {
                bytes.Add((byte)(buffer >> (bits - 8)));
                bits -= 8;
            }
        }

        return [.. bytes];
    }
}
