using System.Security.Cryptography;
using System.Text;
using MedicalAid.Engine;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace MedicalAid.Api.Hospitals;

/// <summary>A designated hospital (定点医疗机构) and its API credential.</summary>
public sealed class Hospital
{
    public int Id { get; set; }

    public required string Code { get; set; }

    public required string Name { get; set; }

    public HospitalLevel Level { get; set; }

    /// <summary>SHA-256 of the API key, hex. Keys are long random strings, so a fast hash is enough; the key itself is never stored.</summary>
    public required string ApiKeyHash { get; set; }

    public string? CallbackBaseUrl { get; set; }

    /// <summary>
    /// The callback secret, encrypted with Data Protection (<see cref="CallbackSecrets"/>): MedicalAid signs every
    /// callback with it, so it must be recoverable, unlike the API key. Null until one is issued; no callback is sent
    /// unsigned.
    /// </summary>
    public string? CallbackSecretProtected { get; set; }

    public bool IsActive { get; set; } = true;

    public static string HashApiKey(string apiKey) =>
        Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(apiKey)));
}

internal sealed class HospitalConfiguration : IEntityTypeConfiguration<Hospital>
{
    public void Configure(EntityTypeBuilder<Hospital> builder)
    {
        builder.Property(hospital => hospital.Code).HasMaxLength(32);
        builder.Property(hospital => hospital.Name).HasMaxLength(128);
        builder.Property(hospital => hospital.ApiKeyHash).HasMaxLength(64);
        builder.Property(hospital => hospital.CallbackBaseUrl).HasMaxLength(512);
        builder.Property(hospital => hospital.CallbackSecretProtected).HasMaxLength(1024);
        builder.HasIndex(hospital => hospital.Code).IsUnique();
        builder.HasIndex(hospital => hospital.ApiKeyHash).IsUnique();
    }
}
