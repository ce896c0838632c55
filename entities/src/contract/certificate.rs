use sea_orm::entity::prelude::*;

/// A registration certificate (上海市技术合同认定登记证明) issued at final
/// approval. The signed canonical text is kept verbatim so anyone can check
/// the signature later; the verification code is kept only as a hash.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "certificate")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub contract_id: i64,
    #[sea_orm(unique)]
    pub registration_number: String,
    /// HMAC-SM3 (index key) of the normalised verification code, hex.
    pub verification_code_hash: String,
    /// Version of the canonical form, see docs/certificate-canonical-v1.md.
    pub canonical_version: String,
    #[sea_orm(column_type = "Text")]
    pub canonical_text: String,
    /// SM2 signature r‖s, hex (128 characters).
    pub signature_hex: String,
    pub key_id: String,
    /// The signer's public key at signing time (uncompressed SEC1, hex).
    pub public_key_hex: String,
    /// `valid`, `changed`, `cancelled` or `revoked`.
    pub status: String,
    pub status_reason: String,
    pub issued_at: DateTimeUtc,
    pub status_changed_at: Option<DateTimeUtc>,
    /// SM3 digest of the PDF in the file store.
    pub pdf_digest: String,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
