// The config the apply tests start from: a managed policy and a role that attaches it, with an inline
// policy, a tag and one service account.
export const PAYMENTS_POLICY_AND_ROLE = `
policies:
  - name: read-payments
    document: {Version: "2012-10-17", Statement: [{Effect: Allow, Action: "s3:GetObject", Resource: "arn:aws:s3:::payments/*"}]}
roles:
  - name: payments-reader
    description: reads payments
    inlinePolicies:
      list: {Version: "2012-10-17", Statement: [{Effect: Allow, Action: "s3:ListBucket", Resource: "arn:aws:s3:::payments"}]}
    managedPolicies: [read-payments]
    tags: {team: payments}
    serviceAccounts: [payments/reader]
`
