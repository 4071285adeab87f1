using System.Globalization;
using MedicalAid.Api.Infrastructure;
using MedicalAid.Engine;

namespace MedicalAid.Api.Beneficiaries;

/// <summary>What a beneficiary's fields must be, for the staff endpoints and the CSV import alike.</summary>
public static class BeneficiaryRules
{
    public const int MaxNameLength = 64;

    /// <summary>The form an ID number is stored and compared in: trimmed, with an upper-case X.</summary>
    public static string NormalizeIdNumber(string idNumber)
    {
        ArgumentNullException.ThrowIfNull(idNumber);
        return idNumber.Trim().ToUpperInvariant();
    }

    /// <summary>The problem with a name (already trimmed), or null.</summary>
    public static string? NameProblem(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        if (name.Length == 0)
        {
            return "A name is required.";
        }

        if (name.Length > MaxNameLength)
        {
            return $"A name has at most {MaxNameLength} characters.";
        }

        if (TextRules.FirstRefused(name) is not null)
        {
            return TextRules.Refusal;
        }

        // U+FFFD is what undecodable bytes become: the text was not UTF-8.
        return name.Contains('\uFFFD', StringComparison.Ordinal) ? "The name is not valid UTF-8 text." : null;
    }

    /// <summary>The problem with a division code, or null: six digits, of a province 11–82 as in ID numbers.</summary>
    public static string? DivisionCodeProblem(string divisionCode)
    {
        ArgumentNullException.ThrowIfNull(divisionCode);
        const string Problem = "A division code has six digits, starting with a province code from 11 to 82.";
        if (divisionCode.Length != 6 || !divisionCode.All(char.IsAsciiDigit))
        {
            return Problem;
        }

        return int.Parse(divisionCode.AsSpan(0, 2), CultureInfo.InvariantCulture) is >= 11 and <= 82 ? null : Problem;
    }

    /// <summary>The problem with a registration or status change's effective date, or null: not before the birth date.</summary>
    public static string? EffectiveFromProblem(DateOnly effectiveFrom, ResidentIdNumber idNumber)
    {
        ArgumentNullException.ThrowIfNull(idNumber);
        return effectiveFrom < idNumber.BirthDate ? "The effective date is before the birth date in the ID number." : null;
    }
}
