using System.Globalization;
using System.Text;

namespace MedicalAid.Api.Tests.Reliability;

/// <summary>A generated request exactly as it goes on the wire, with what was done to it; printable to replay by hand.</summary>
public sealed class FuzzRequest
{
    public required HttpMethod Method { get; init; }

    /// <summary>Path and query, already escaped as they are sent.</summary>
    public required string Target { get; set; }

    public List<(string Name, string Value)> Headers { get; } = [];

    public byte[]? Body { get; set; }

    /// <summary>The Content-Type header of the body, verbatim; null sends none.</summary>
    public string? ContentType { get; set; }

    /// <summary>Send the body without a Content-Length (chunked), so that only the server's reading limit can stop it.</summary>
    public bool Chunked { get; set; }

    public List<string> Mutations { get; } = [];

    public HttpRequestMessage ToMessage()
    {
        var message = new HttpRequestMessage(Method, new Uri(Target, UriKind.Relative));
        if (Body is not null)
        {
            HttpContent content = Chunked ? new StreamContent(new UnknownLengthStream(Body)) : new ByteArrayContent(Body);
            content.Headers.Remove("Content-Type");
            if (ContentType is not null)
            {
                content.Headers.TryAddWithoutValidation("Content-Type", ContentType);
            }

            message.Content = content;
        }

        foreach (var (name, value) in Headers)
        {
            if (!message.Headers.TryAddWithoutValidation(name, value))
            {
                message.Content ??= new ByteArrayContent([]);
                message.Content.Headers.TryAddWithoutValidation(name, value);
            }
        }

        return message;
    }

    /// <summary>Everything the caller put in the request, for telling echoed identifiers from leaked ones.</summary>
    public string SearchableText()
    {
        var text = new StringBuilder(Target).Append('\n').Append(Unescape(Target)).Append('\n');
        foreach (var (name, value) in Headers)
        {
            text.Append(name).Append(": ").Append(value).Append('\n');
        }

        if (Body is not null)
        {
            // In every encoding the fuzzer may have sent it in: the server reads a declared charset.
            foreach (var encoding in new Encoding[] { Encoding.UTF8, Encoding.Unicode, Encoding.BigEndianUnicode, Encoding.UTF32, Encoding.Latin1 })
            {
                text.Append(encoding.GetString(Body)).Append('\n');
            }
        }

        return text.ToString();
    }

    /// <summary>A curl command that sends this request again (the body as a file when it is not printable or is long).</summary>
    public string Describe(string baseAddress = "http://localhost:5000")
    {
        var text = new StringBuilder().Append(CultureInfo.InvariantCulture, $"curl -i -X {Method} '{baseAddress}{Target.Replace("'", "'\\''", StringComparison.Ordinal)}'");
        foreach (var (name, value) in Headers)
        {
            text.Append(CultureInfo.InvariantCulture, $" -H '{name}: {Printable(value)}'");
        }

        if (Body is not null)
        {
            if (ContentType is not null)
            {
                text.Append(CultureInfo.InvariantCulture, $" -H 'Content-Type: {Printable(ContentType)}'");
            }

            if (Chunked)
            {
                text.Append(" -H 'Transfer-Encoding: chunked'");
            }

            var printable = Body.Length <= 2048 && Utf8Text(Body) is { } bodyText && !bodyText.Any(char.IsControl);
            text.Append(printable
                ? $" --data-binary '{Encoding.UTF8.GetString(Body).Replace("'", "'\\''", StringComparison.Ordinal)}'"
                : $" --data-binary @body.bin   # body.bin = base64 -d <<< '{Convert.ToBase64String(Body.AsSpan(0, Math.Min(Body.Length, 4096)))}'{(Body.Length > 4096 ? $" (first 4096 of {Body.Length} bytes)" : "")}");
        }

        return text.Append(CultureInfo.InvariantCulture, $"   # {string.Join(", ", Mutations.DefaultIfEmpty("unmutated"))}").ToString();
    }

    private static string? Utf8Text(byte[] bytes)
    {
        try
        {
            return new UTF8Encoding(false, throwOnInvalidBytes: true).GetString(bytes);
        }
        catch (DecoderFallbackException)
        {
            return null;
        }
    }

    private static string Printable(string value) =>
        value.Length > 300 ? $"{Escape(value[..300])}…({value.Length} chars)" : Escape(value);

    private static string Escape(string value) =>
        string.Concat(value.Select(c => c is < ' ' or > '~' ? $"\\u{(int)c:x4}" : c == '\'' ? "'\\''" : c.ToString()));

    private static string Unescape(string target)
    {
        try
        {
            return Uri.UnescapeDataString(target);
        }
        catch (UriFormatException)
        {
            return target;
        }
    }

    /// <summary>A stream that does not know its length, so HttpClient sends it chunked.</summary>
    private sealed class UnknownLengthStream(byte[] bytes) : MemoryStream(bytes, writable: false)
    {
        public override bool CanSeek => false;
    }
}
