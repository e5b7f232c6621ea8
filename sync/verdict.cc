#include "sync/verdict.h"

#include <array>

namespace govbus {

std::string_view voidReasonName(VoidReason reason) {
  static constexpr std::array<std::string_view, static_cast<size_t>(VoidReason::kCount)> kNames = {
      "valid",
      "author_forked",
      "catalog_not_by_province",
      "promised_exceeds_two_thirds_of_legal",
      "catalog_raises_statutory_level",
      "catalog_bad_level",
      "catalog_item_exists",
      "unknown_item",
      "item_not_delegable",
      "grantee_not_below_author",
      "grantee_not_enrolled",
      "author_lacks_authority",
      "parent_delegation_unknown",
      "parent_delegation_not_seen",
      "redelegation_not_allowed",
      "period_outside_parent",
      "parent_delegation_void",
      "delegation_revoked",
      "parent_delegation_revoked",
      "revocation_target_unknown",
      "revoker_not_grantor_or_ancestor",
      "unknown_case",
      "case_already_received",
      "not_the_handler",
      "handler_not_on_region_path",
      "receiver_not_under_handler",
      "illegal_transition",
      "handler_lacks_authority",
      "denial_without_reason",
      "contradicts_halt_order",
      "contradicts_unseen_halt_order",
      "order_not_by_ancestor",
      "order_on_final_case",
      "order_nothing_to_correct",
      "order_last_seen_not_in_case",
      "order_bad_transfer_target",
      "complaint_duplicate",
      "complaint_against_unknown_node",
      "complaint_unknown",
      "complaint_update_not_by_supervisor",
      "certificate_not_by_issuer",
      "certificate_outside_region",
      "key_revocation_not_by_ancestor",
      "fork_report_invalid",
      "not_the_nearest_holder",
      "case_id_not_receivers",
      "calendar_not_by_province",
      "setting_not_by_province",
      "setting_unknown",
      "setting_out_of_range",
      "witness_not_by_ancestor",
  };
  size_t i = static_cast<size_t>(reason);
  return i < kNames.size() ? kNames[i] : "unknown";
}

}  // namespace govbus
