using System.Text.Json;
using System.Text.Json.Serialization;
using MedicalAid.Engine;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace MedicalAid.Api.Policies;

/// <summary>
/// A stored policy version. The rules are kept as one JSON document of the engine's <see cref="PolicyVersion"/>,
/// written once: a version that settlements used is superseded, never edited.
/// </summary>
public sealed class PolicyVersionRecord
{
    public int Id { get; set; }

    public required string Code { get; set; }

    public DateOnly EffectiveFrom { get; set; }

    public DateOnly? EffectiveTo { get; set; }

    public required string Document { get; set; }

    public DateTimeOffset CreatedAt { get; set; }

    public static PolicyVersionRecord From(PolicyVersion policy, DateTimeOffset createdAt)
    {
        ArgumentNullException.ThrowIfNull(policy);
        return new PolicyVersionRecord
        {
            Code = policy.Code,
            EffectiveFrom = policy.EffectiveFrom,
            EffectiveTo = policy.EffectiveTo,
            Document = JsonSerializer.Serialize(policy, PolicyJson.Options),
            CreatedAt = createdAt,
        };
    }

    public PolicyVersion ToPolicy() =>
        JsonSerializer.Deserialize<PolicyVersion>(Document, PolicyJson.Options)
        ?? throw new InvalidOperationException($"Policy version {Code} has an empty document.");
}

/// <summary>How policy documents are stored: money in fen, ratios in basis points, so nothing is rounded on the way.</summary>
internal static class PolicyJson
{
    public static JsonSerializerOptions Options { get; } = new(JsonSerializerDefaults.Web)
    {
        Converters = { new MoneyAsFen(), new RatioAsBasisPoints(), new JsonStringEnumConverter() },
    };

    private sealed class MoneyAsFen : JsonConverter<Money>
    {
        public override Money Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) => new(reader.GetInt64());

        public override void Write(Utf8JsonWriter writer, Money value, JsonSerializerOptions options) => writer.WriteNumberValue(value.Fen);
    }

    private sealed class RatioAsBasisPoints : JsonConverter<Ratio>
    {
        public override Ratio Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) => new(reader.GetInt32());

        public override void Write(Utf8JsonWriter writer, Ratio value, JsonSerializerOptions options) => writer.WriteNumberValue(value.BasisPoints);
    }
}

internal sealed class PolicyVersionRecordConfiguration : IEntityTypeConfiguration<PolicyVersionRecord>
{
    public void Configure(EntityTypeBuilder<PolicyVersionRecord> builder)
    {
        builder.ToTable("PolicyVersions");
        builder.Property(policy => policy.Code).HasMaxLength(64);
        builder.HasIndex(policy => policy.Code).IsUnique();
        builder.HasIndex(policy => policy.EffectiveFrom);
    }
}
