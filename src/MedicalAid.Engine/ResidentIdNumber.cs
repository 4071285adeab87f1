using System.Globalization;

namespace MedicalAid.Engine;

public enum ResidentIdProblem
{
    None,
    Missing,
    WrongLength,
    InvalidCharacters,
    InvalidDivisionCode,
    InvalidBirthDate,
    BirthDateInFuture,
    WrongCheckCharacter,
}

/// <summary>
/// An 18-character resident identity number (GB 11643): 6-digit division code, 8-digit birth date,
/// 3-digit sequence and an ISO 7064 MOD 11-2 check character.
/// </summary>
public sealed record ResidentIdNumber
{
    private static readonly int[] Weights = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
    private const string CheckCharacters = "10X98765432";

    private ResidentIdNumber(string value, DateOnly birthDate)
    {
        Value = value;
        BirthDate = birthDate;
    }

    public string Value { get; }

    public string DivisionCode => Value[..6];

    public DateOnly BirthDate { get; }

    /// <summary>The form shown in lists, exports and logs: the first four and the last four characters.</summary>
    public string Masked => Mask(Value);

    public static string Mask(string idNumber)
    {
        ArgumentNullException.ThrowIfNull(idNumber);
        return idNumber.Length <= 8 ? new string('*', idNumber.Length) : string.Concat(idNumber.AsSpan(0, 4), new string('*', idNumber.Length - 8), idNumber.AsSpan(idNumber.Length - 4));
    }

    /// <summary>Validates <paramref name="text"/>; <paramref name="today"/> is the caller's local date, since the engine has no clock.</summary>
    public static ResidentIdProblem Check(string? text, DateOnly today) => Parse(text, today, out _);

    public static bool TryParse(string? text, DateOnly today, out ResidentIdNumber? idNumber) =>
        Parse(text, today, out idNumber) == ResidentIdProblem.None;

    public static char ComputeCheckCharacter(ReadOnlySpan<char> first17Digits)
    {
        if (first17Digits.Length != 17)
        {
            throw new ArgumentException("The check character is computed over exactly 17 digits.", nameof(first17Digits));
        }

        var sum = 0;
        for (var i = 0; i < 17; i++)
        {
            sum += (first17Digits[i] - '0') * Weights[i];
        }

        return CheckCharacters[sum % 11];
    }

    public static string Describe(ResidentIdProblem problem) => problem switch
    {
        ResidentIdProblem.None => "valid",
        ResidentIdProblem.Missing => "An ID number is required.",
        ResidentIdProblem.WrongLength => "An ID number has exactly 18 characters.",
        ResidentIdProblem.InvalidCharacters => "An ID number has 17 digits followed by a digit or X.",
        ResidentIdProblem.InvalidDivisionCode => "The first six digits must be an administrative division code (province 11–82).",
        ResidentIdProblem.InvalidBirthDate => "Digits 7–14 must be a real birth date (yyyyMMdd, from 1900).",
        ResidentIdProblem.BirthDateInFuture => "The birth date (digits 7–14) is in the future.",
        ResidentIdProblem.WrongCheckCharacter => "The check character (the 18th) does not match the first 17 digits (ISO 7064 MOD 11-2).",
        _ => throw new ArgumentOutOfRangeException(nameof(problem), problem, "Unknown problem."),
    };

    private static ResidentIdProblem Parse(string? text, DateOnly today, out ResidentIdNumber? idNumber)
    {
        idNumber = null;
        if (string.IsNullOrEmpty(text))
        {
            return ResidentIdProblem.Missing;
        }

        if (text.Length != 18)
        {
            return ResidentIdProblem.WrongLength;
        }

        var normalized = text.ToUpperInvariant();
        for (var i = 0; i < 17; i++)
        {
            if (!char.IsAsciiDigit(normalized[i]))
            {
                return ResidentIdProblem.InvalidCharacters;
            }
        }

        if (!char.IsAsciiDigit(normalized[17]) && normalized[17] != 'X')
        {
            return ResidentIdProblem.InvalidCharacters;
        }

        var province = int.Parse(normalized.AsSpan(0, 2), CultureInfo.InvariantCulture);
        if (province is < 11 or > 82)
        {
            return ResidentIdProblem.InvalidDivisionCode;
        }

        if (!DateOnly.TryParseExact(normalized.AsSpan(6, 8), "yyyyMMdd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var birthDate)
            || birthDate.Year < 1900)
        {
            return ResidentIdProblem.InvalidBirthDate;
        }

        if (birthDate > today)
        {
            return ResidentIdProblem.BirthDateInFuture;
        }

        if (ComputeCheckCharacter(normalized.AsSpan(0, 17)) != normalized[17])
        {
            return ResidentIdProblem.WrongCheckCharacter;
        }

        idNumber = new ResidentIdNumber(normalized, birthDate);
        return ResidentIdProblem.None;
    }

    public override string ToString() => Masked;
}
