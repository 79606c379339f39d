/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* NVMe names: opcodes by queue type. Pure lookups, no state. */
#ifndef NVMETRACE_NAMES_H
#define NVMETRACE_NAMES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum nvme_qtype {
	NVME_QTYPE_ADMIN = 0,
	NVME_QTYPE_IO = 1,
	NVME_QTYPE_ANY = -1,
};

/* "Identify" / "identify"; NULL for an opcode with no name. */
const char *nvme_opcode_name(enum nvme_qtype qtype, uint8_t opcode);
const char *nvme_opcode_short(enum nvme_qtype qtype, uint8_t opcode);

/* Parse "6", "0x14", "identify", "Get Log Page", "admin:6", "io:read".
 * Returns 0 and sets *opcode and *qtype (NVME_QTYPE_ANY for a bare number),
 * or -1 for an unknown or ambiguous name or a number out of range.
 */
int nvme_opcode_parse(const char *s, int *opcode, enum nvme_qtype *qtype);

/* "Connect", "Property Get", ...; NULL if unknown. */
const char *nvme_fabrics_type_name(uint8_t fctype);

/* "Generic Command Status", ...: the Status Code Type's name. */
const char *nvme_sct_name(uint8_t sct);

/* The name of a completion status (Linux's form: the CQE Status Field
 * without the phase bit; CRD, More and DNR are ignored), from libnvme's
 * tables: "Invalid Command Opcode", "Command Aborted By Host", ...
 * Codes the specification does not define get "Reserved (SCT x SC y)".
 */
void nvme_status_name(uint16_t status, bool fabrics, char *buf, size_t len);

#endif /* NVMETRACE_NAMES_H */
