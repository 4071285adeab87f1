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
}

public sealed record class RegisterHospitalRequest
{
    /// <summary>1–32 letters, digits or '-'.</summary>
    /// <example>H004</example>
    public required string Code { get; init; }

    /// <example>万柏林区妇幼保健院</example>
    public required string Name { get; init; }

    public required HospitalLevel Level { get; init; }

    /// <summary>Absolute http(s) URL.</summary>
    public string? CallbackBaseUrl { get; init; }
}

public sealed record class UpdateHospitalRequest
{
    public required string Name { get; init; }

    public required HospitalLevel Level { get; init; }

    public string? CallbackBaseUrl { get; init; }
}

/// <summary>A hospital with its new API key, shown this once; only its hash is stored.</summary>
public sealed record class HospitalCredentials
{
    public required HospitalResponse Hospital { get; init; }

    public required string ApiKey { get; init; }
}
