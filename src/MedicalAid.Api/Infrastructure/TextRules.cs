using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace MedicalAid.Api.Infrastructure;

/// <summary>
/// Text is what it looks like: invisible and bidirectional control characters (Unicode categories Cc, Cf, Co, Cn, Zl,
/// Zp — zero-width spaces, right-to-left overrides, byte-order marks, private use, unassigned) are refused, and what is
/// kept is normalised to NFC, so that "李\u200b秀英" or a decomposed "é" cannot stand beside the name it imitates.
/// </summary>
public static class TextRules
{
    public const string Refusal = "Invisible, control or unassigned characters (such as zero-width spaces or direction overrides) are not allowed.";

    /// <summary>The first refused character's code point (U+FFFD for a lone surrogate), or null when there is none.</summary>
    public static int? FirstRefused(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var rest = text.AsSpan();
        while (!rest.IsEmpty)
        {
            if (Rune.DecodeFromUtf16(rest, out var rune, out var consumed) != System.Buffers.OperationStatus.Done)
            {
                return Rune.ReplacementChar.Value;
            }

            if (IsRefused(rune))
            {
                return rune.Value;
            }

            rest = rest[consumed..];
        }

        return null;
    }

    /// <summary>
    /// Fails at start when the runtime cannot normalise (globalization-invariant mode, or no ICU): names would then be
    /// stored as sent, and a decomposed look-alike would pass.
    /// </summary>
    public static void EnsureNormalisationWorks()
    {
        if (!string.Equals("e\u0301".Normalize(NormalizationForm.FormC), "\u00e9", StringComparison.Ordinal)
            || !string.Equals("\uF9E1".Normalize(NormalizationForm.FormC), "\u674E", StringComparison.Ordinal))
        {
            throw new InvalidOperationException(
                "Unicode normalisation is not available: run with ICU (libicu) installed and without globalization-invariant mode.");
        }
    }

    /// <summary>The text in NFC, or null when it holds a refused character.</summary>
    public static string? Clean(string text) =>
        FirstRefused(text) is null ? text.Normalize(NormalizationForm.FormC) : null;

    private static bool IsRefused(Rune rune) => Rune.GetUnicodeCategory(rune) is
        UnicodeCategory.Control or UnicodeCategory.Format or UnicodeCategory.PrivateUse or UnicodeCategory.OtherNotAssigned
        or UnicodeCategory.LineSeparator or UnicodeCategory.ParagraphSeparator;
}

/// <summary>
/// Every string of every JSON request body goes through <see cref="TextRules"/>: names and free text in one place, so
/// that no endpoint can forget. A refused character is a 400 naming the field.
/// </summary>
public sealed class CleanTextConverter : JsonConverter<string>
{
    public override bool HandleNull => false;

    public override string? Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
    {
        var text = reader.GetString();
        return text is null ? null : TextRules.Clean(text) ?? throw new JsonException(TextRules.Refusal);
    }

    public override void Write(Utf8JsonWriter writer, string value, JsonSerializerOptions options)
    {
        ArgumentNullException.ThrowIfNull(writer);
        writer.WriteStringValue(value);
    }
}
