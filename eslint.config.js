import base from '@oboe/eslint-config'

export default base
