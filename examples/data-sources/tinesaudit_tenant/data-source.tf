data "tinesaudit_tenant" "this" {}

# E.g. to allow the tenant's outbound requests through a firewall.
output "tines_egress_ips" {
  value = data.tinesaudit_tenant.this.egress_ips
}
