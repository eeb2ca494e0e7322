from bot.cli import main

# Guarded: worker processes (spawned, not forked) import the parent's main module.
if __name__ == "__main__":
    main()
