using System.Text.Json.Serialization;

namespace MedicalAid.Contracts.Admin;

[JsonConverter(typeof(StrictEnumConverter<HospitalLevel>))]
public enum HospitalLevel
{
    [JsonStringEnumMemberName("primary")]
    Primary,

    [JsonStringEnumMemberName("secondary")]
    Secondary,

    [JsonStringEnumMemberName("tertiary")]
    Tertiary,
}

/// <summary>A designated hospital (定点医疗机构). Its API key is never shown again after registration or rotation.</summary>
public sealed record class HospitalResponse
{
    /// <example>H004</example>
    public required string Code { get; init; }

    /// <example>万柏林区妇幼保健院</example>
    public required string Name { get; init; }

    public required HospitalLevel Level { get; init; }

    /// <summary>Where clearing statements and notifications are delivered.</summary>
    /// <example>https://his.h004.example/medicalaid</example>
    public string? CallbackBaseUrl { get; init; }

    /// <summary>False once deactivated: its key no longer works.</summary>
    public required bool Active { get; init; }

    /// <summary>Whether a callback secret has been issued (the secret itself is never shown again).</summary>
    public required bool HasCallbackSecret { get; init; }
}

public sealed record class RegisterHospitalRequest
{
    /// <summary>1–32 letters, digits or '-'.</summary>
    /// <example>H004</example>
    public required string Code { get; init; }

    /// <example>万柏林区妇幼保健院</example>
    public required string Name { get; init; }

    public required HospitalLevel Level { get; init; }

    /// <summary>Absolute https URL (http only in Development) without user-info, whose host resolves to public addresses.</summary>
    public string? CallbackBaseUrl { get; init; }
}

public sealed record class UpdateHospitalRequest
{
    public required string Name { get; init; }

    public required HospitalLevel Level { get; init; }

    public string? CallbackBaseUrl { get; init; }
}

/// <summary>
/// A newly registered hospital with its API key and callback secret, shown this once: the key is stored only as a
/// hash, the secret only encrypted.
/// </summary>
public sealed record class HospitalCredentials
{
    public required HospitalResponse Hospital { get; init; }

    public required string ApiKey { get; init; }

    /// <summary>The key of the HMAC in every callback's X-MedicalAid-Signature header (see CallbackSignature in the client SDK).</summary>
    public required string CallbackSecret { get; init; }
}

/// <summary>A hospital with its new API key, shown this once; only its hash is stored.</summary>
public sealed record class HospitalApiKey
{
    public required HospitalResponse Hospital { get; init; }

    public required string ApiKey { get; init; }
}

/// <summary>A hospital with its new callback secret, shown this once; the previous secret no longer signs anything.</summary>
public sealed record class HospitalCallbackSecret
{
    public required HospitalResponse Hospital { get; init; }

    public required string CallbackSecret { get; init; }
}
