/**
 * EKS Pod Identity associations (`aws eks list-/describe-pod-identity-association` JSON, read by
 * src/eks/association-records.ts) placed into the audit inventory; problems become warnings.
 */
import { mergeAssociationRecords, readAssociationRecords } from '../../eks/association-records.js'
import type { AssociationRecord } from '../../eks/association-records.js'
import type { AuditWarning, IamInventory } from '../model.js'

/** Load association JSON (already parsed) into the inventory; problems become warnings. */
export function loadPodIdentityAssociations(values: readonly unknown[], file: string, iam: IamInventory, warnings: AuditWarning[], clusterHint?: string): void {
  const records = readAssociationRecords(values, (pointer, message) => warnings.push({ file, object: pointer, message }))
  iam.podIdentityLoaded = true
  if (clusterHint !== undefined) iam.podIdentityClusters.add(clusterHint)
  const existing = iam.podIdentityAssociations.map(
    (a): AssociationRecord => ({
      clusterName: a.cluster,
      namespace: a.namespace,
      serviceAccount: a.serviceAccount,
      roleArn: a.roleArn,
      targetRoleArn: a.targetRoleArn,
      associationId: a.associationId,
      associationArn: a.associationArn,
      disableSessionTags: a.disableSessionTags,
      pointer: a.source.pointer ?? '',
      file: a.source.file,
    }),
  )
  const merged = mergeAssociationRecords([...existing, ...records.map((r) => ({ ...r, file }))])
  iam.podIdentityAssociations.length = 0
  for (const r of merged) {
    iam.podIdentityClusters.add(r.clusterName)
    iam.podIdentityAssociations.push({
      cluster: r.clusterName,
      namespace: r.namespace,
      serviceAccount: r.serviceAccount,
      roleArn: r.roleArn,
      targetRoleArn: r.targetRoleArn,
      associationId: r.associationId,
      associationArn: r.associationArn,
      disableSessionTags: r.disableSessionTags,
      inferred: false,
      source: { file: r.file ?? file, ...(r.pointer === '' ? {} : { pointer: r.pointer }) },
    })
  }
}
