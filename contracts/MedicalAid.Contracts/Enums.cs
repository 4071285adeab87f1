using System.Text.Json.Serialization;

namespace MedicalAid.Contracts;

/// <summary>Outpatient visit (门诊) or inpatient stay (住院).</summary>
[JsonConverter(typeof(StrictEnumConverter<VisitType>))]
public enum VisitType
{
    [JsonStringEnumMemberName("outpatient")]
    Outpatient,

    [JsonStringEnumMemberName("inpatient")]
    Inpatient,
}

/// <summary>The five assistance channels, in settlement order.</summary>
[JsonConverter(typeof(StrictEnumConverter<AssistanceChannel>))]
public enum AssistanceChannel
{
    [JsonStringEnumMemberName("insuranceSubsidy")]
    InsuranceSubsidy,

    [JsonStringEnumMemberName("outpatient")]
    Outpatient,

    [JsonStringEnumMemberName("inpatient")]
    Inpatient,

    [JsonStringEnumMemberName("temporary")]
    Temporary,

    [JsonStringEnumMemberName("charity")]
    Charity,
}

[JsonConverter(typeof(StrictEnumConverter<SettlementStatus>))]
public enum SettlementStatus
{
    [JsonStringEnumMemberName("settled")]
    Settled,

    [JsonStringEnumMemberName("reversed")]
    Reversed,
}

/// <summary>What a reversal by request (冲正) did with the key it was given.</summary>
[JsonConverter(typeof(StrictEnumConverter<ReversalByRequestOutcome>))]
public enum ReversalByRequestOutcome
{
    /// <summary>A settlement had been made under the key; it is now reversed.</summary>
    [JsonStringEnumMemberName("reversed")]
    Reversed,

    /// <summary>Nothing had arrived under the key; the key is voided, and a late original is refused.</summary>
    [JsonStringEnumMemberName("voided")]
    Voided,
}

/// <summary>Enums travel as their names only: a number such as 1 for "inpatient" is refused, never guessed.</summary>
public sealed class StrictEnumConverter<TEnum>() : JsonStringEnumConverter<TEnum>(namingPolicy: null, allowIntegerValues: false)
    where TEnum : struct, Enum;
