// One format and one parser for claims challenges, shared with the backend through the contract.
export { parseClaimsChallenge } from '@oboe/contracts'
